package dev.streamtune.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import dev.streamtune.trainer.kafka.PartitionCount;
import dev.streamtune.trainer.kafka.StreamsDatasetAccess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trainer rescheduled to a fresh node (empty local state) gets its dataset back from the changelog: same examples,
 * same corrections, deletions still deleted, same counters; and it does not process the input again.
 */
@WithEmbeddedKafka
class DatasetRestoreTest {

    @TempDir
    Path nodeA;

    @TempDir
    Path nodeB;

    @Test
    void shouldRestoreTheDatasetFromItsChangelogOnAFreshNode(EmbeddedKafkaBroker kafka) throws Exception {
        try (var producer =
                new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < 30; i++) {
                send(producer, LabeledExample.of("e-" + i, "text " + i, i % 2 == 0 ? "spam" : "ham"));
            }
            send(producer, LabeledExample.of("e-0", "text 0", "ham"));
            producer.send(new ProducerRecord<>(StreamtuneTopics.EXAMPLES_NAME, utf8("e-1"), null));
            producer.flush();
        }
        DatasetStats before;
        try (KafkaStreams streams = start(kafka, nodeA)) {
            var dataset = new StreamsDatasetAccess(
                    streams,
                    StreamtuneTopics.EXAMPLES_NAME,
                    new PartitionCount(StreamtuneTopics.EXAMPLES_NAME, kafka.clientProperties()));
            await().atMost(Duration.ofSeconds(60))
                    .until(() ->
                            dataset.ready() && dataset.stats().lastOffsets().getOrDefault(0, -1L) == 31);
            before = dataset.stats();
            assertThat(before.total()).isEqualTo(29);
        }

        try (KafkaStreams streams = start(kafka, nodeB)) {
            var dataset = new StreamsDatasetAccess(
                    streams,
                    StreamtuneTopics.EXAMPLES_NAME,
                    new PartitionCount(StreamtuneTopics.EXAMPLES_NAME, kafka.clientProperties()));
            await().atMost(Duration.ofSeconds(60)).until(dataset::ready);

            DatasetStats after = dataset.stats();
            assertThat(after.labelCounts()).isEqualTo(before.labelCounts());
            assertThat(after.changeCount()).isEqualTo(before.changeCount()); // restored, not reprocessed
            DatasetSnapshot snapshot = dataset.snapshot();
            assertThat(snapshot.ids()).hasSize(29).doesNotContain("e-1");
            assertThat(snapshot.entries().values().stream()
                            .flatMap(java.util.List::stream)
                            .filter(e -> e.example().id().equals("e-0"))
                            .findFirst()
                            .orElseThrow()
                            .example()
                            .label())
                    .isEqualTo("ham");
        }
    }

    private static KafkaStreams start(EmbeddedKafkaBroker kafka, Path stateDir) {
        var settings =
                TestTopologies.settings("m", new SplitAssigner(0.1, 0.1, "s"), Duration.ofHours(1), Clock.systemUTC());
        Properties props = TestTopologies.streamsProperties(kafka, "dataset-restore-test", stateDir);
        KafkaStreams streams = new KafkaStreams(DatasetTopology.build(settings, TrainerSignals.NONE), props);
        streams.start();
        return streams;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, LabeledExample e) {
        producer.send(new ProducerRecord<>(StreamtuneTopics.EXAMPLES_NAME, utf8(e.id()), Json.write(e)));
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
