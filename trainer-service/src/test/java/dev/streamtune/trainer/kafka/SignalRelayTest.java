package dev.streamtune.trainer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.trainer.dataset.TrainerSignals;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** Signals that arrived before the scheduler existed are replayed in order, each on its own. */
class SignalRelayTest {

    @Test
    void shouldReplayEverySignalWhenOneOfThemFails() {
        var relay = new SignalRelay();
        relay.onCommand(retrain("first"));
        relay.onDriftAlert(alert());
        relay.onCommand(retrain("third"));
        List<String> received = new CopyOnWriteArrayList<>();

        relay.connect(new TrainerSignals() {
            @Override
            public void onCommand(TrainerCommand command) {
                received.add(command.reason());
            }

            @Override
            public void onDriftAlert(AlertEvent alert) {
                throw new IllegalStateException("state topic unavailable");
            }
        });
        relay.onCommand(retrain("after"));

        assertThat(received).containsExactly("first", "third", "after");
    }

    private static TrainerCommand retrain(String reason) {
        return new TrainerCommand(
                SchemaVersions.CURRENT, TrainerCommand.Type.RETRAIN, "m", null, "test", reason, Instant.now());
    }

    private static AlertEvent alert() {
        return new AlertEvent(
                SchemaVersions.CURRENT, "m", "inference-0", Instant.now(), 1L, "drift", "warning", "label PSI 0.4");
    }
}
