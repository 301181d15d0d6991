package dev.streamtune.kafka.quarkus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

/** The resource's lifecycle without booting Quarkus: the SASL configuration it hands to Quarkus really connects. */
class EmbeddedKafkaTestResourceSaslTest {

    @Test
    void shouldHandQuarkusAWorkingSaslSslClientConfigAndRenamedTopics() throws Exception {
        var resource = new EmbeddedKafkaTestResource();
        resource.init(Map.of(
                EmbeddedKafkaTestResource.SASL,
                "true",
                EmbeddedKafkaTestResource.TOPIC_PREFIX + StreamtuneTopics.TEXTS_NAME,
                "it.texts"));
        try {
            Map<String, String> config = resource.start();

            assertThat(config)
                    .containsEntry("quarkus.kafka.devservices.enabled", "false")
                    .containsEntry("kafka.security.protocol", "SASL_SSL")
                    .containsEntry("kafka.sasl.mechanism", EmbeddedKafkaBroker.SCRAM_MECHANISM)
                    .containsEntry("quarkus.kafka-streams.security.protocol", "SASL_SSL")
                    .containsKeys(
                            "quarkus.kafka-streams.sasl.jaas-config", "quarkus.kafka-streams.ssl.truststore.location");
            assertThat(config.get("quarkus.kafka-streams.bootstrap-servers"))
                    .isEqualTo(config.get("kafka.bootstrap.servers"));

            var client = new HashMap<String, Object>();
            config.forEach((key, value) -> {
                if (key.startsWith("kafka.")) {
                    client.put(key.substring("kafka.".length()), value);
                }
            });
            try (var admin = Admin.create(client)) {
                assertThat(admin.listTopics().names().get()).contains("it.texts", StreamtuneTopics.EXAMPLES_NAME);
            }
            try (var producer = new KafkaProducer<>(client, new StringSerializer(), new StringSerializer())) {
                producer.send(new ProducerRecord<>("it.texts", "k", "hello")).get();
            }
        } finally {
            resource.stop();
        }
    }
}
