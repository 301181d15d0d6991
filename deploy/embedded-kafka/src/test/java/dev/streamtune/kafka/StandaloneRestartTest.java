package dev.streamtune.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import dev.streamtune.kafka.process.KafkaProcess;
import dev.streamtune.kafka.standalone.StreamtuneKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standalone broker as a real child JVM: stopped with SIGTERM and started again on the same data dir. */
class StandaloneRestartTest {

    @TempDir
    Path dataDir;

    @Test
    void shouldKeepTopicsRecordsAndClusterIdAcrossARestart() throws Exception {
        try (var kafka = KafkaProcess.builder().optDataDir(dataDir).start()) {
            String clusterId = kafka.clusterId().orElseThrow();
            var client = kafka.clientProperties();
            try (var producer = EmbeddedKafkaBrokerTest.producer(client)) {
                producer.send(new ProducerRecord<>(StreamtuneTopics.EXAMPLES_NAME, "e1", "{\"label\":\"spam\"}"))
                        .get();
                producer.send(new ProducerRecord<>(StreamtuneTopics.EXAMPLES_NAME, "e2", "{\"label\":\"ham\"}"))
                        .get();
            }

            kafka.restart(); // fails unless the SIGTERM shutdown completed

            assertThat(Files.readString(kafka.logFile())).contains(StreamtuneKafka.STOPPED_MESSAGE);
            assertThat(kafka.clusterId()).contains(clusterId);
            List<ConsumerRecord<String, String>> records =
                    EmbeddedKafkaBrokerTest.consume(client, StreamtuneTopics.EXAMPLES_NAME, 2, "read_committed");
            assertThat(records).extracting(ConsumerRecord::key).containsExactly("e1", "e2");
            try (var admin = Admin.create(client)) {
                assertThat(admin.listTopics().names().get())
                        .containsAll(
                                StreamtuneTopics.all().stream().map(Topic::name).toList());
            }
        }
    }
}
