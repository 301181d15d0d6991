package dev.streamtune.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.dlq.DeadLetter;
import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.ErrorEvent;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.OffsetRange;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.validation.RejectReason;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetTopologyTest {

    private static final String MODEL = "spam";
    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");

    @TempDir
    Path stateDir;

    private static final String UNSAVED = "a command whose trigger cannot be saved";

    private final List<TrainerCommand> commands = new ArrayList<>();
    private final List<AlertEvent> alerts = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> examples;
    private TestInputTopic<byte[], byte[]> commandTopic;
    private TestInputTopic<byte[], byte[]> monitoring;
    private TestOutputTopic<byte[], byte[]> dlq;
    private KeyValueStore<String, DatasetEntry> dataset;
    private KeyValueStore<String, Long> meta;

    @BeforeEach
    void start() {
        var settings = TestTopologies.settings(
                MODEL, new SplitAssigner(0.1, 0.1, "test"), Duration.ofHours(1), Clock.fixed(NOW, ZoneOffset.UTC));
        TrainerSignals signals = new TrainerSignals() {
            @Override
            public void onCommand(TrainerCommand command) {
                if (UNSAVED.equals(command.reason())) {
                    throw new IllegalStateException("cannot save trainer state to the state topic: timed out");
                }
                commands.add(command);
            }

            @Override
            public void onDriftAlert(AlertEvent alert) {
                alerts.add(alert);
            }
        };
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "dataset-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(DatasetTopology.build(settings, signals), props, NOW);
        var bytes = new ByteArraySerializer();
        examples = driver.createInputTopic(StreamtuneTopics.EXAMPLES_NAME, bytes, bytes);
        commandTopic = driver.createInputTopic(StreamtuneTopics.COMMANDS_NAME, bytes, bytes);
        monitoring = driver.createInputTopic(StreamtuneTopics.MONITORING_NAME, bytes, bytes);
        dlq = driver.createOutputTopic(
                StreamtuneTopics.DLQ_NAME, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        dataset = driver.getKeyValueStore(DatasetStores.DATASET);
        meta = driver.getKeyValueStore(DatasetStores.META);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldUpsertValidExamplesIntoTheDatasetStore() {
        send("a", "cheap pills", "spam");
        send("b", "meeting at 10", "ham");

        assertThat(dataset.get("a").example().label()).isEqualTo("spam");
        assertThat(dataset.get("b").example().text()).isEqualTo("meeting at 10");
        DatasetStats stats = reader().stats(meta);
        assertThat(stats.total()).isEqualTo(2);
        assertThat(stats.changeCount()).isEqualTo(2);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void shouldTreatANewValueForAnIdAsACorrection() {
        send("a", "cheap pills", "spam");
        send("a", "cheap pills", "ham");

        assertThat(dataset.get("a").example().label()).isEqualTo("ham");
        DatasetStats stats = reader().stats(meta);
        assertThat(stats.total()).isEqualTo(1);
        assertThat(stats.labels()).containsExactly("ham");
        assertThat(stats.changeCount()).isEqualTo(2);
    }

    @Test
    void shouldNotCountAnIdenticalResendAsAChange() {
        send("a", "cheap pills", "spam");
        send("a", "cheap pills", "spam");

        assertThat(reader().stats(meta).changeCount()).isEqualTo(1);
    }

    @Test
    void shouldDeleteAnExampleOnTombstoneSoNoLaterSnapshotHasIt() {
        send("a", "cheap pills", "spam");
        send("b", "meeting at 10", "ham");
        examples.pipeInput(utf8("a"), (byte[]) null);

        DatasetSnapshot snapshot = reader().read(dataset, meta);
        assertThat(snapshot.ids()).containsExactly("b");
        assertThat(snapshot.changeCount()).isEqualTo(3);
        assertThat(snapshot.lastDeletionOffsets()).containsEntry(0, 2L);
        assertThat(reader().stats(meta).labels()).containsExactly("ham");
    }

    @Test
    void shouldIgnoreATombstoneForAnUnknownId() {
        send("a", "cheap pills", "spam");
        examples.pipeInput(utf8("never-seen"), (byte[]) null);

        assertThat(reader().stats(meta).changeCount()).isEqualTo(1);
        assertThat(dlq.isEmpty()).isTrue();
    }

    @Test
    void shouldRouteMalformedRecordToDlqWithReason() {
        examples.pipeInput(utf8("x"), utf8("{not json"));
        examples.pipeInput(utf8("y"), utf8("{\"id\":\"y\",\"text\":\"hello\"}"));
        examples.pipeInput(utf8("z"), utf8("{\"id\":\"other\",\"text\":\"hello\",\"label\":\"ham\"}"));
        examples.pipeInput((byte[]) null, (byte[]) null);

        List<TestRecord<byte[], byte[]>> letters = dlq.readRecordsToList();
        assertThat(letters).hasSize(4);
        assertThat(letters.stream().map(r -> DeadLetters.read(r.headers()).reasonCode()))
                .containsExactly(
                        RejectReason.MALFORMED_JSON.name(),
                        RejectReason.MISSING_FIELD.name(),
                        RejectReason.KEY_ID_MISMATCH.name(),
                        RejectReason.INVALID_ID.name());
        DeadLetter first = DeadLetters.read(letters.get(0).headers());
        assertThat(first.sourceTopic()).isEqualTo(StreamtuneTopics.EXAMPLES_NAME);
        assertThat(first.sourceOffset()).isZero();
        assertThat(first.component()).isEqualTo("trainer/dataset");
        assertThat(new String(letters.get(0).value(), StandardCharsets.UTF_8)).isEqualTo("{not json");
        assertThat(dataset.approximateNumEntries()).isZero();
        assertThat(reader().stats(meta).rejected()).isEqualTo(4);
    }

    @Test
    void shouldKeepAnExampleInItsSplitWhenItsLabelIsCorrected() {
        SplitAssigner splits = new SplitAssigner(0.1, 0.1, "test");
        for (int i = 0; i < 50; i++) {
            send("id-" + i, "text " + i, "spam");
            send("id-" + i, "text " + i, "ham");
            assertThat(dataset.get("id-" + i).split()).isEqualTo(splits.splitOf("id-" + i));
        }
        assertThat(reader().stats(meta).labelCounts().values().stream().flatMap(m -> m.keySet().stream()))
                .containsOnly("ham");
    }

    @Test
    void shouldRecordOffsetRangesAndSplitCountsForLineage() {
        for (int i = 0; i < 30; i++) {
            send("id-" + i, "text " + i, i % 2 == 0 ? "spam" : "ham");
        }
        examples.pipeInput(utf8("id-0"), (byte[]) null);

        DatasetSnapshot snapshot = reader().read(dataset, meta);
        assertThat(snapshot.size()).isEqualTo(29);
        assertThat(snapshot.offsets()).containsExactly(new OffsetRange(StreamtuneTopics.EXAMPLES_NAME, 0, 1, 30));
        assertThat(snapshot.splitCounts().values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .isEqualTo(29);
        assertThat(snapshot.labelCounts().get("train")).containsOnlyKeys("ham", "spam");
        assertThat(snapshot.labelOrder(List.of("spam", "gone"))).containsExactly("spam", "ham");
    }

    @Test
    void shouldPassCommandsForThisModelAndDeadLetterMalformedOnes() {
        commandTopic.pipeInput(utf8(MODEL), Json.write(command(TrainerCommand.Type.RETRAIN, MODEL, NOW)));
        commandTopic.pipeInput(utf8("other"), Json.write(command(TrainerCommand.Type.RETRAIN, "other", NOW)));
        commandTopic.pipeInput(
                utf8(MODEL), Json.write(command(TrainerCommand.Type.RETRAIN, MODEL, NOW.minus(Duration.ofDays(1)))));
        commandTopic.pipeInput(utf8(MODEL), utf8("{\"type\":\"EXPLODE\"}"));

        assertThat(commands).hasSize(1);
        assertThat(commands.get(0).type()).isEqualTo(TrainerCommand.Type.RETRAIN);
        List<TestRecord<byte[], byte[]>> letters = dlq.readRecordsToList();
        assertThat(letters).hasSize(1);
        assertThat(DeadLetters.read(letters.get(0).headers()).reasonCode()).isEqualTo("MALFORMED_JSON");
    }

    /** A command the scheduler could not act on (its trigger not saved: broker away) is dead-lettered with why. */
    @Test
    void shouldDeadLetterACommandThatCouldNotBeActedOn() {
        TrainerCommand command = new TrainerCommand(
                SchemaVersions.CURRENT, TrainerCommand.Type.RETRAIN, MODEL, null, "test", UNSAVED, NOW);
        commandTopic.pipeInput(utf8(MODEL), Json.write(command));

        assertThat(commands).isEmpty();
        List<TestRecord<byte[], byte[]>> letters = dlq.readRecordsToList();
        assertThat(letters).hasSize(1);
        var letter = DeadLetters.read(letters.get(0).headers());
        assertThat(letter.reasonCode()).isEqualTo("PROCESSING_FAILED");
        assertThat(letter.reason()).contains("cannot save trainer state").contains("send it again");
    }

    @Test
    void shouldSignalDriftAlertsForThisModelOnly() {
        monitoring.pipeInput(utf8(MODEL), Json.write(alert(MODEL, "drift")));
        monitoring.pipeInput(utf8(MODEL), Json.write(alert(MODEL, "latency")));
        monitoring.pipeInput(utf8("other"), Json.write(alert("other", "drift")));
        monitoring.pipeInput(
                utf8(MODEL),
                Json.write(new ErrorEvent(SchemaVersions.CURRENT, MODEL, "i", NOW, null, "hot-swap", "boom")));
        monitoring.pipeInput(utf8(MODEL), utf8("garbage"));

        assertThat(alerts).hasSize(1);
        assertThat(alerts.get(0).kind()).isEqualTo("drift");
    }

    @Test
    void shouldActOnceOnADriftAlertRepeatedForTheSameWindow() {
        Instant window = NOW.minus(Duration.ofMinutes(10));
        AlertEvent first = windowAlert("inference-0", NOW.minusSeconds(30), 3L, window);
        // the drift monitor is at-least-once: the same window re-evaluated elsewhere raises it again
        AlertEvent repeat = windowAlert("inference-1", NOW.minusSeconds(5), 3L, window);

        monitoring.pipeInput(utf8(MODEL), Json.write(first));
        monitoring.pipeInput(utf8(MODEL), Json.write(repeat));
        monitoring.pipeInput(utf8(MODEL), Json.write(first));

        assertThat(alerts).containsExactly(first);
    }

    @Test
    void shouldActOnAlertsForAnotherWindowOrVersion() {
        Instant window = NOW.minus(Duration.ofMinutes(10));
        AlertEvent first = windowAlert("inference-0", NOW, 3L, window);
        AlertEvent later = windowAlert("inference-0", NOW, 3L, window.plus(Duration.ofMinutes(5)));
        AlertEvent newer = windowAlert("inference-0", NOW, 4L, window);

        monitoring.pipeInput(utf8(MODEL), Json.write(first));
        monitoring.pipeInput(utf8(MODEL), Json.write(later));
        monitoring.pipeInput(utf8(MODEL), Json.write(newer));

        assertThat(alerts).containsExactly(first, later, newer);
        KeyValueStore<String, Long> actedOn = driver.getKeyValueStore(DatasetStores.DRIFT_ALERTS);
        assertThat(actedOn.get("spam/v3@" + window)).isEqualTo(NOW.toEpochMilli());
    }

    @Test
    void shouldSpreadIdsOverSplitsByTheConfiguredFractions() {
        SplitAssigner splits = new SplitAssigner(0.2, 0.1, "seed");
        Map<Split, Integer> counts = new java.util.EnumMap<>(Split.class);
        for (int i = 0; i < 20_000; i++) {
            counts.merge(splits.splitOf("example-" + i), 1, Integer::sum);
        }
        assertThat(counts.get(Split.VALIDATION) / 20_000.0).isBetween(0.18, 0.22);
        assertThat(counts.get(Split.TEST) / 20_000.0).isBetween(0.08, 0.12);
        assertThat(new SplitAssigner(0.2, 0.1, "seed").splitOf("example-7")).isEqualTo(splits.splitOf("example-7"));
    }

    private DatasetSnapshotReader reader() {
        return new DatasetSnapshotReader(StreamtuneTopics.EXAMPLES_NAME);
    }

    private void send(String id, String text, String label) {
        examples.pipeInput(utf8(id), Json.write(LabeledExample.of(id, text, label)));
    }

    private static TrainerCommand command(TrainerCommand.Type type, String model, Instant ts) {
        return new TrainerCommand(SchemaVersions.CURRENT, type, model, null, "test", "because", ts);
    }

    private static AlertEvent alert(String model, String kind) {
        return new AlertEvent(SchemaVersions.CURRENT, model, "inference-0", NOW, 1L, kind, "warning", "psi 0.4");
    }

    private static AlertEvent windowAlert(String instance, Instant ts, long version, Instant windowStart) {
        return new AlertEvent(
                SchemaVersions.CURRENT, MODEL, instance, ts, version, "drift", "warning", "psi 0.4", windowStart);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
