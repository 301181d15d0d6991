package dev.streamtune.trainer.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class TriggerPolicyTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private final TriggerPolicy policy = new TriggerPolicy(100, Duration.ofHours(24), true);

    @Test
    void shouldActOnAPendingTriggerFirst() {
        var pending = new TrainerState.Trigger(TriggerPolicy.MANUAL, "please", "ops", NOW);
        TrainerState state = TrainerState.initial("m").withPending(pending);

        assertThat(policy.due(state, 0, NOW)).contains(pending);
    }

    @Test
    void shouldTrainOnceEnoughExamplesChanged() {
        TrainerState state = afterRunAt(NOW.minus(Duration.ofHours(1)), 1_000);

        assertThat(policy.due(state, 1_099, NOW)).isEmpty();
        assertThat(policy.due(state, 1_100, NOW))
                .get()
                .extracting(TrainerState.Trigger::reason)
                .isEqualTo(TriggerPolicy.MIN_CHANGES);
    }

    @Test
    void shouldTrainOnAnyChangeOnceTheIntervalIsUp() {
        TrainerState state = afterRunAt(NOW.minus(Duration.ofHours(25)), 1_000);

        assertThat(policy.due(state, 1_000, NOW)).isEmpty();
        assertThat(policy.due(state, 1_001, NOW))
                .get()
                .extracting(TrainerState.Trigger::reason)
                .isEqualTo(TriggerPolicy.MAX_INTERVAL);
    }

    @Test
    void shouldOnlyActOnRequestsWhenAutomaticTriggersAreOff() {
        TrainerState state = afterRunAt(NOW.minus(Duration.ofDays(3)), 0);

        assertThat(new TriggerPolicy(1, Duration.ofHours(1), false).due(state, 10_000, NOW))
                .isEmpty();
    }

    private static TrainerState afterRunAt(Instant finished, long changeCount) {
        var run = new TrainerState.Run("r", "manual", finished.minusSeconds(60), finished, "PUBLISHED", 1L, List.of());
        return TrainerState.initial("m").finished(run, changeCount);
    }
}
