package dev.streamtune.kafka.quarkus;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.smallrye.common.annotation.Identifier;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

@QuarkusTest
@WithTestResource(EmbeddedKafkaTestResource.class)
class EmbeddedKafkaTestResourceTest {

    @InjectEmbeddedKafka
    EmbeddedKafkaBroker kafka;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String bootstrapServers;

    @ConfigProperty(name = "quarkus.kafka-streams.bootstrap-servers")
    String streamsBootstrapServers;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    @Test
    void shouldPointQuarkusKafkaConfigAtTheEmbeddedBroker() {
        assertThat(kafka).isNotNull();
        assertThat(bootstrapServers).isEqualTo(kafka.bootstrapServers());
        assertThat(streamsBootstrapServers).isEqualTo(kafka.bootstrapServers());
        assertThat(kafkaConfig).containsEntry("bootstrap.servers", kafka.bootstrapServers());
    }

    @Test
    void shouldProduceAndConsumeWithTheApplicationsKafkaConfig() throws Exception {
        var producerConfig = new HashMap<>(kafkaConfig);
        try (var producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(StreamtuneTopics.MONITORING_NAME, "model", "{}"))
                    .get();
        }

        var consumerConfig = new HashMap<>(kafkaConfig);
        consumerConfig.put(ConsumerConfig.GROUP_ID_CONFIG, "quarkus-test");
        consumerConfig.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        try (var consumer = new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(StreamtuneTopics.MONITORING_NAME));
            var received = new ArrayList<String>();
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (received.isEmpty() && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> received.add(r.key()));
            }
            assertThat(received).containsExactly("model");
        }
    }
}
