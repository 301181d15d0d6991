package dev.streamtune.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trainer restarted on a fresh node (empty local state) restores the drift alert windows it acted on from their
 * changelog: a repeat of an alert it acted on before the restart triggers nothing after it.
 */
@WithEmbeddedKafka
class DriftAlertRestoreTest {

    private static final String MODEL = "m";

    @TempDir
    Path nodeA;

    @TempDir
    Path nodeB;

    @Test
    void shouldStillIgnoreARepeatedAlertAfterRestoringOnAFreshNode(EmbeddedKafkaBroker kafka) throws Exception {
        Instant window = Instant.now().minus(Duration.ofMinutes(10));
        List<AlertEvent> beforeRestart = new CopyOnWriteArrayList<>();
        try (var producer = new KafkaProducer<>(
                        kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer());
                KafkaStreams streams = start(kafka, nodeA, beforeRestart)) {
            send(producer, alert("inference-0", 3L, window));
            await().atMost(Duration.ofSeconds(90)).until(() -> !beforeRestart.isEmpty());
        }

        List<AlertEvent> afterRestart = new CopyOnWriteArrayList<>();
        try (var producer = new KafkaProducer<>(
                        kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer());
                KafkaStreams streams = start(kafka, nodeB, afterRestart)) {
            // the same window raised again by another instance, then a new window: same key, same partition, in order
            send(producer, alert("inference-1", 3L, window));
            AlertEvent next = alert("inference-1", 3L, window.plus(Duration.ofMinutes(5)));
            send(producer, next);
            await().atMost(Duration.ofSeconds(90)).until(() -> !afterRestart.isEmpty());

            assertThat(afterRestart).containsExactly(next);
        }
        assertThat(beforeRestart).hasSize(1);
    }

    private static KafkaStreams start(EmbeddedKafkaBroker kafka, Path stateDir, List<AlertEvent> alerts) {
        var settings = TestTopologies.settings(
                MODEL, new SplitAssigner(0.1, 0.1, "s"), Duration.ofHours(1), Clock.systemUTC());
        TrainerSignals signals = new TrainerSignals() {
            @Override
            public void onCommand(TrainerCommand command) {}

            @Override
            public void onDriftAlert(AlertEvent alert) {
                alerts.add(alert);
            }
        };
        Properties props = TestTopologies.streamsProperties(kafka, "drift-alert-restore-test", stateDir);
        KafkaStreams streams = new KafkaStreams(DatasetTopology.build(settings, signals), props);
        streams.start();
        return streams;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, AlertEvent alert) throws Exception {
        producer.send(new ProducerRecord<>(StreamtuneTopics.MONITORING_NAME, utf8(MODEL), Json.write(alert)))
                .get();
    }

    private static AlertEvent alert(String instance, long version, Instant windowStart) {
        return new AlertEvent(
                SchemaVersions.CURRENT,
                MODEL,
                instance,
                Instant.now(),
                version,
                "drift",
                "warning",
                "psi 0.4",
                windowStart);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
