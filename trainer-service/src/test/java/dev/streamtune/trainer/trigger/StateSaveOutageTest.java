package dev.streamtune.trainer.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.kafka.EmbeddedKafkaBroker;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/**
 * A training request while the broker is away: the trigger cannot be saved, so the request fails with a reason the REST
 * API answers 503 for, and nothing is left pending in memory that a restart would forget (before, the trigger was kept
 * in memory and the caller told it failed: a run nobody was told about, lost again at the next restart).
 */
class StateSaveOutageTest {

    @Test
    void shouldLeaveNothingPendingWhenTheTriggerCannotBeSaved() throws Exception {
        TrainerStateStore store;
        TrainingScheduler scheduler;
        try (var broker = EmbeddedKafkaBroker.builder().optCreateTopics(false).start()) {
            store = new TrainerStateStore("trainer.state.outage", broker.clientProperties(), Duration.ofSeconds(1));
            store.ensureTopic();
            scheduler = new TrainingScheduler(
                    "m",
                    new TriggerPolicy(5, Duration.ofHours(1), true),
                    Duration.ofHours(1),
                    Duration.ofHours(1),
                    store,
                    (runId, trigger, cancellation) -> {
                        throw new AssertionError("no run expected");
                    },
                    null,
                    () -> 0,
                    () -> false,
                    Clock.systemUTC(),
                    outcome -> {});
            scheduler.start();
        }
        try (store;
                scheduler) {
            var trigger =
                    new TrainerState.Trigger(TriggerPolicy.MANUAL, "while the broker is away", "test", Instant.now());

            assertThatThrownBy(() -> scheduler.request(trigger))
                    .isInstanceOf(TrainerStateStore.UnavailableException.class)
                    .hasMessageContaining("cannot save trainer state");
            assertThat(scheduler.state().pending())
                    .as("nothing pending that was not saved")
                    .isNull();
        }
    }
}
