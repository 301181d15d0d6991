package dev.streamtune.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.topic.StreamtuneTopics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The drift alert windows acted on are forgotten after twice the signal age, whether or not more alerts arrive. */
class DriftAlertIntakeTest {

    private static final String MODEL = "spam";
    private static final Duration MAX_AGE = Duration.ofHours(1);
    private static final Instant START = Instant.parse("2026-06-01T12:00:00Z");

    @TempDir
    Path stateDir;

    private final MovableClock clock = new MovableClock(START);
    private final List<AlertEvent> alerts = new ArrayList<>();
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> monitoring;
    private KeyValueStore<String, Long> actedOn;

    @BeforeEach
    void start() {
        var settings = TestTopologies.settings(MODEL, new SplitAssigner(0.1, 0.1, "test"), MAX_AGE, clock);
        TrainerSignals signals = new TrainerSignals() {
            @Override
            public void onCommand(TrainerCommand command) {}

            @Override
            public void onDriftAlert(AlertEvent alert) {
                alerts.add(alert);
            }
        };
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "drift-alert-intake-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(DatasetTopology.build(settings, signals), props, START);
        var bytes = new ByteArraySerializer();
        monitoring = driver.createInputTopic(StreamtuneTopics.MONITORING_NAME, bytes, bytes);
        actedOn = driver.getKeyValueStore(DatasetStores.DRIFT_ALERTS);
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void shouldForgetAWindowTwiceTheSignalAgeAfterActingOnIt() {
        Instant window = START.minus(Duration.ofMinutes(10));
        monitoring.pipeInput(utf8(MODEL), Json.write(alert(START, 3L, window)));
        String key = DriftAlertIntake.windowKey(alert(START, 3L, window));
        assertThat(actedOn.get(key)).isEqualTo(START.toEpochMilli());

        move(MAX_AGE.multipliedBy(2)); // exactly twice the age: still remembered
        assertThat(actedOn.get(key)).isNotNull();

        move(MAX_AGE); // no alert in between: the punctuator alone forgets it
        assertThat(actedOn.get(key)).isNull();
        assertThat(alerts).hasSize(1);
    }

    @Test
    void shouldKeepWindowsActedOnRecently() {
        Instant window = START.minus(Duration.ofMinutes(10));
        monitoring.pipeInput(utf8(MODEL), Json.write(alert(START, 3L, window)));
        move(MAX_AGE.multipliedBy(2));
        AlertEvent recent = alert(clock.instant(), 3L, window.plus(MAX_AGE.multipliedBy(2)));
        monitoring.pipeInput(utf8(MODEL), Json.write(recent));

        move(MAX_AGE);

        assertThat(actedOn.get(DriftAlertIntake.windowKey(alert(START, 3L, window))))
                .isNull();
        assertThat(actedOn.get(DriftAlertIntake.windowKey(recent)))
                .isEqualTo(START.plus(MAX_AGE.multipliedBy(2)).toEpochMilli());
        // a repeat of the recent window is still recognised
        monitoring.pipeInput(utf8(MODEL), Json.write(alert(clock.instant(), 3L, recent.windowStart())));
        assertThat(alerts).containsExactly(alert(START, 3L, window), recent);
    }

    private void move(Duration by) {
        clock.advance(by);
        driver.advanceWallClockTime(by);
    }

    private static AlertEvent alert(Instant ts, long version, Instant windowStart) {
        return new AlertEvent(
                SchemaVersions.CURRENT, MODEL, "inference-0", ts, version, "drift", "warning", "psi 0.4", windowStart);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** The processors' clock, moved together with the driver's wall clock. */
    private static final class MovableClock extends Clock {
        private Instant now;

        MovableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }
    }
}
