package dev.streamtune.inference.drift;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.DriftEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.inference.stream.PredictionHeaders;
import dev.streamtune.inference.support.TestManifests;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DriftTopologyTest {

    private static final String MODEL = "spam-filter";
    private static final Instant START = Instant.parse("2025-03-01T10:00:00Z");
    private static final Duration WINDOW = Duration.ofMinutes(1);
    private static final int PER_WINDOW = 60;

    private final DriftSettings settings = new DriftSettings(
            "predictions",
            "models",
            "monitoring",
            "test-instance",
            WINDOW,
            Duration.ZERO,
            30,
            0.6,
            0.2,
            0.25,
            0.1,
            0.2,
            0.05,
            0.5,
            3);

    private TopologyTestDriver driver;
    private TestInputTopic<String, Prediction> predictions;
    private TestInputTopic<String, ModelRegistryEvent> models;
    private TestOutputTopic<String, MonitoringEvent> monitoring;
    private final Random random = new Random(7);

    @BeforeEach
    void setUp() {
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "drift-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.putAll(DriftErrorHandlers.streamsConfig());
        driver = new TopologyTestDriver(DriftTopology.build(settings), props);
        predictions =
                driver.createInputTopic("predictions", Serdes.String().serializer(), JsonSerde.of(Prediction.class));
        models =
                driver.createInputTopic("models", Serdes.String().serializer(), JsonSerde.of(ModelRegistryEvent.class));
        monitoring = driver.createOutputTopic(
                "monitoring", Serdes.String().deserializer(), JsonSerde.of(MonitoringEvent.class));
        ModelManifest manifest = TestManifests.manifest(MODEL, 3, TestManifests.LABELS, 128, List.of());
        ModelRegistryEvent record = TestManifests.published(manifest, "file:/unused", "0".repeat(64));
        models.pipeInput(ModelRegistryEvent.versionKey(MODEL, 3), record, START);
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    @Test
    void shouldRaiseOneDriftAlertWhenTheLabelDistributionShiftsForConsecutiveWindows() {
        for (int w = 0; w < 5; w++) {
            pipeWindow(w, 0.95);
        }
        closeWindowsBefore(5);

        List<MonitoringEvent> events = monitoring.readValuesToList();

        List<DriftEvent> drift = events.stream()
                .filter(DriftEvent.class::isInstance)
                .map(DriftEvent.class::cast)
                .toList();
        assertThat(drift).hasSize(5).allSatisfy(d -> {
            assertThat(d.version()).isEqualTo(3);
            assertThat(d.count()).isEqualTo(PER_WINDOW);
            assertThat(d.labelPsi()).isGreaterThan(0.2);
            assertThat(d.breached()).isTrue();
            assertThat(d.baselineMeanConfidence()).isEqualTo(0.9);
        });
        List<AlertEvent> alerts = events.stream()
                .filter(AlertEvent.class::isInstance)
                .map(AlertEvent.class::cast)
                .toList();
        assertThat(alerts).singleElement().satisfies(a -> {
            assertThat(a.kind()).isEqualTo(MonitoringEvent.DRIFT);
            assertThat(a.model()).isEqualTo(MODEL);
            assertThat(a.version()).isEqualTo(3L);
            assertThat(a.message()).contains("label PSI");
        });
        // the alert follows the third breached window, not earlier
        assertThat(events.indexOf(alerts.get(0))).isEqualTo(3);
    }

    @Test
    void shouldNotAlertOnAnUnshiftedDistribution() {
        for (int w = 0; w < 5; w++) {
            pipeWindow(w, 0.5);
        }
        closeWindowsBefore(5);

        List<MonitoringEvent> events = monitoring.readValuesToList();

        assertThat(events).hasSize(5).allSatisfy(e -> assertThat(e).isInstanceOf(DriftEvent.class));
        assertThat(events).allSatisfy(e -> {
            DriftEvent d = (DriftEvent) e;
            assertThat(d.breached())
                    .as("window %s: psi %s", d.windowStart(), d.labelPsi())
                    .isFalse();
            assertThat(d.labelPsi()).isLessThan(0.2);
            assertThat(d.meanTokenLength()).isBetween(10.0, 30.0);
        });
    }

    @Test
    void shouldNotAlertWhenBreachesAreNotConsecutive() {
        pipeWindow(0, 0.95);
        pipeWindow(1, 0.95);
        pipeWindow(2, 0.5);
        pipeWindow(3, 0.95);
        pipeWindow(4, 0.95);
        closeWindowsBefore(5);

        assertThat(monitoring.readValuesToList()).noneMatch(AlertEvent.class::isInstance);
    }

    @Test
    void shouldNotJoinBreachesAcrossAWindowWithNoPredictions() {
        pipeWindow(0, 0.95);
        pipeWindow(1, 0.95);
        // window 2 holds nothing: it never closes, so no record says whether it breached
        pipeWindow(3, 0.95);
        pipeWindow(4, 0.95);
        closeWindowsBefore(5);

        List<MonitoringEvent> events = monitoring.readValuesToList();

        assertThat(events).filteredOn(DriftEvent.class::isInstance).hasSize(4);
        assertThat(events).noneMatch(AlertEvent.class::isInstance);
    }

    @Test
    void shouldNotJoinBreachesAcrossAnUnderSizedWindow() {
        pipeWindow(0, 0.95);
        pipeWindow(1, 0.95);
        for (int i = 0; i < settings.minCount() - 1; i++) {
            pipe(2, i, "spam", 0.9, 20, 0);
        }
        pipeWindow(3, 0.95);
        closeWindowsBefore(4);

        List<MonitoringEvent> events = monitoring.readValuesToList();

        assertThat(events).noneMatch(AlertEvent.class::isInstance);
        assertThat(events.get(2)).isInstanceOfSatisfying(DriftEvent.class, d -> {
            assertThat(d.count()).isEqualTo(settings.minCount() - 1);
            assertThat(d.breached()).isFalse();
        });
    }

    @Test
    void shouldNameTheWindowThatRaisedTheAlert() {
        for (int w = 0; w < 3; w++) {
            pipeWindow(w, 0.95);
        }
        closeWindowsBefore(3);

        assertThat(monitoring.readValuesToList())
                .filteredOn(AlertEvent.class::isInstance)
                .singleElement()
                .satisfies(
                        a -> assertThat(((AlertEvent) a).windowStart()).isEqualTo(START.plus(WINDOW.multipliedBy(2))));
    }

    @Test
    void shouldFlagARiseInUnknownTokens() {
        for (int w = 0; w < 3; w++) {
            for (int i = 0; i < PER_WINDOW; i++) {
                pipe(w, i, i % 2 == 0 ? "spam" : "ham", 0.9, 20, 8);
            }
        }
        closeWindowsBefore(3);

        List<MonitoringEvent> events = monitoring.readValuesToList();

        assertThat(events).filteredOn(DriftEvent.class::isInstance).allSatisfy(e -> assertThat(
                        ((DriftEvent) e).unknownTokenRate())
                .isCloseTo(0.4, org.assertj.core.api.Assertions.within(1e-9)));
        assertThat(events)
                .filteredOn(AlertEvent.class::isInstance)
                .singleElement()
                .satisfies(a -> assertThat(((AlertEvent) a).message()).contains("unknown-token rate"));
    }

    @Test
    void shouldSkipAnUnreadablePredictionAndKeepCounting() {
        var raw = driver.createInputTopic(
                "predictions", Serdes.String().serializer(), Serdes.ByteArray().serializer());
        raw.pipeInput("bad", "{not json".getBytes(), START.plusSeconds(1));
        pipeWindow(0, 0.5);
        closeWindowsBefore(1);

        List<MonitoringEvent> events = monitoring.readValuesToList();

        assertThat(events).singleElement().satisfies(e -> assertThat(((DriftEvent) e).count())
                .isEqualTo(PER_WINDOW));
    }

    /** One window of predictions, {@code spamShare} of them labeled spam, confident and of ~20 tokens. */
    private void pipeWindow(int window, double spamShare) {
        for (int i = 0; i < PER_WINDOW; i++) {
            String label = random.nextDouble() < spamShare ? "spam" : "ham";
            if (spamShare == 0.5) {
                label = i % 2 == 0 ? "spam" : "ham"; // exactly balanced: no sampling noise
            }
            pipe(window, i, label, 0.9, 12 + random.nextInt(17), 0);
        }
    }

    private void pipe(int window, int i, String label, double confidence, int tokens, int unknown) {
        double other = 1 - confidence;
        Map<String, Double> scores = label.equals("spam")
                ? Map.of("ham", other, "spam", confidence)
                : Map.of("ham", confidence, "spam", other);
        Prediction p = new Prediction(
                SchemaVersions.CURRENT, "id-" + window + "-" + i, label, confidence, scores, MODEL, 3, 5, null, null);
        RecordHeaders headers = new RecordHeaders();
        PredictionHeaders.write(headers, tokens, tokens, unknown);
        Instant ts = START.plus(WINDOW.multipliedBy(window)).plusMillis(i * (WINDOW.toMillis() / PER_WINDOW));
        predictions.pipeInput(new TestRecord<>("k" + i, p, headers, ts));
    }

    /** Stream time past the end of window {@code window - 1} closes it (grace is zero). */
    private void closeWindowsBefore(int window) {
        pipe(window, 0, "ham", 0.9, 20, 0);
    }
}
