package dev.streamtune.trainer.console;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.DriftEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.SwapEvent;
import dev.streamtune.common.event.TrainingEpochEvent;
import dev.streamtune.common.event.TrainingProgressEvent;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MonitoringHistoryTest {

    private static final Instant TS = Instant.parse("2026-12-01T10:00:00Z");

    private final MonitoringHistory history =
            new MonitoringHistory("streamtune.monitoring", "support", Map.of(), new MonitoringHistory.Limits(2, 3, 4));

    @Test
    void shouldKeepOnlyItsModelsEvents() {
        history.add(swap("support", 1));
        history.add(swap("billing", 7));

        assertThat(history.snapshot().swaps()).extracting(SwapEvent::toVersion).containsExactly(1L);
    }

    @Test
    void shouldKeepTheNewestEventsOfEachKindUpToItsBound() {
        for (int v = 1; v <= 5; v++) {
            history.add(swap("support", v));
        }
        for (int w = 0; w < 6; w++) {
            history.add(drift(w));
        }

        MonitoringHistory.Snapshot snapshot = history.snapshot();
        assertThat(snapshot.swaps()).extracting(SwapEvent::toVersion).containsExactly(3L, 4L, 5L);
        assertThat(snapshot.drift()).extracting(DriftEvent::count).containsExactly(2L, 3L, 4L, 5L);
    }

    @Test
    void shouldGroupEpochsByRunAndKeepTheLatestRuns() {
        history.add(epoch("run-1", 1));
        history.add(epoch("run-1", 2));
        history.add(epoch("run-2", 1));
        history.add(epoch("run-3", 1));
        history.add(epoch("run-3", 2));

        MonitoringHistory.Snapshot snapshot = history.snapshot();
        assertThat(snapshot.epochsByRun()).containsOnlyKeys("run-2", "run-3");
        assertThat(snapshot.epochsByRun().get("run-3"))
                .extracting(TrainingEpochEvent::epoch)
                .containsExactly(1, 2);
    }

    @Test
    void shouldKeepEachRunsLatestPhaseInOrderOfItsLastEvent() {
        history.add(phase("run-1", "training"));
        history.add(phase("run-2", "training"));
        history.add(phase("run-1", "finished"));

        MonitoringHistory.Snapshot snapshot = history.snapshot();
        assertThat(snapshot.lastPhaseByRun().keySet()).containsExactly("run-2", "run-1");
        assertThat(snapshot.lastPhaseByRun().get("run-1").phase()).isEqualTo("finished");
    }

    private static SwapEvent swap(String model, long version) {
        return new SwapEvent(SchemaVersions.CURRENT, model, "inference-0", TS, null, version, 100, false);
    }

    private static DriftEvent drift(long count) {
        return new DriftEvent(
                SchemaVersions.CURRENT,
                "support",
                "inference-0",
                TS,
                1,
                TS,
                TS.plusSeconds(60),
                count,
                0.01,
                Map.of(),
                0.9,
                0.9,
                0.1,
                0.1,
                40,
                40,
                0.01,
                0,
                0,
                0.05,
                false);
    }

    private static TrainingEpochEvent epoch(String run, int epoch) {
        return new TrainingEpochEvent(
                SchemaVersions.CURRENT, "support", "trainer-0", TS, run, epoch, 2, 0.5, 0.8, 0.4, 0.85, 0.84, 3.0);
    }

    private static TrainingProgressEvent phase(String run, String phase) {
        return new TrainingProgressEvent(
                SchemaVersions.CURRENT, "support", "trainer-0", TS, run, phase, 1, 1, 1, 1, 0.3, 10, -1, null);
    }
}
