package dev.streamtune.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.junit.jupiter.api.Test;

@WithEmbeddedKafka(sasl = true)
class SaslScramTest {

    @Test
    void shouldProduceAndConsumeOverSaslSslWithScram(EmbeddedKafkaBroker kafka) throws Exception {
        Map<String, Object> secured = kafka.clientSecurityProperties();
        assertThat(secured.get("bootstrap.servers"))
                .isEqualTo(kafka.saslBootstrapServers().orElseThrow());

        try (var producer = EmbeddedKafkaBrokerTest.producer(secured)) {
            producer.send(new ProducerRecord<>(StreamtuneTopics.REVIEW_NAME, "k", "over tls"))
                    .get();
        }
        var records = EmbeddedKafkaBrokerTest.consume(secured, StreamtuneTopics.REVIEW_NAME, 1, "read_committed");

        assertThat(records).extracting(ConsumerRecord::value).containsExactly("over tls");
    }

    @Test
    void shouldRefuseAWrongPassword(EmbeddedKafkaBroker kafka) {
        var wrong = kafka.clientSecurityProperties(EmbeddedKafkaBroker.DEFAULT_SCRAM_USER, "not-the-password");

        assertThatThrownBy(() -> describeCluster(wrong))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SaslAuthenticationException.class);
    }

    @Test
    void shouldRefuseAClientThatDoesNotTrustTheBrokerCertificate(EmbeddedKafkaBroker kafka) {
        var untrusting = new HashMap<>(kafka.clientSecurityProperties());
        untrusting.remove("ssl.truststore.location");
        untrusting.remove("ssl.truststore.password");
        untrusting.remove("ssl.truststore.type");

        assertThatThrownBy(() -> describeCluster(untrusting))
                .isInstanceOf(ExecutionException.class)
                .hasCauseInstanceOf(SslAuthenticationException.class);
    }

    private static String describeCluster(Map<String, Object> config) throws Exception {
        var props = new HashMap<>(config);
        props.put("default.api.timeout.ms", "15000");
        props.put("request.timeout.ms", "10000");
        try (var admin = Admin.create(props)) {
            return admin.describeCluster().clusterId().get();
        }
    }
}
