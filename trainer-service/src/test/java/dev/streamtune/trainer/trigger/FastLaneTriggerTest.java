package dev.streamtune.trainer.trigger;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.trainer.training.Lane;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class FastLaneTriggerTest {

    private static final Instant NOW = Instant.parse("2026-06-01T12:00:00Z");
    private static final Duration DEBOUNCE = Duration.ofSeconds(3);
    private static final Duration MAX_DELAY = Duration.ofSeconds(30);
    private static final Duration MIN_INTERVAL = Duration.ofMinutes(5);

    private boolean championLive = true;
    private boolean newLabel;

    private final FastLaneTrigger.Signals signals = new FastLaneTrigger.Signals() {
        @Override
        public boolean championLive() {
            return championLive;
        }

        @Override
        public boolean labelChampionLacks() {
            return newLabel;
        }
    };

    private FastLaneTrigger trigger(long minChanges) {
        return new FastLaneTrigger(
                new FastLaneTrigger.Settings(true, DEBOUNCE, MAX_DELAY, minChanges, MIN_INTERVAL), signals);
    }

    @Test
    void shouldRefreshTheHeadOnceTheDatasetHasBeenQuietForTheDebounce() {
        TrainerState state = afterFullRun(1_000);

        assertThat(trigger(1).due(state, 1_000, NOW.minusSeconds(10), NOW.minusSeconds(10), NOW))
                .isEmpty(); // nothing new
        assertThat(trigger(1).due(state, 1_050, NOW.minusSeconds(1), NOW.minusSeconds(1), NOW))
                .isEmpty(); // still arriving
        assertThat(trigger(1).due(state, 1_050, NOW.minusSeconds(3), NOW.minusSeconds(3), NOW))
                .get()
                .extracting(TrainerState.Trigger::reason)
                .isEqualTo(Lane.FAST_LANE_TRIGGER);
    }

    @Test
    void shouldWaitForMinChangesUnlessAChangeBringsALabelTheChampionLacks() {
        TrainerState state = afterFullRun(1_000);

        assertThat(trigger(20).due(state, 1_005, NOW.minusSeconds(5), NOW.minusSeconds(5), NOW))
                .isEmpty();
        newLabel = true;
        assertThat(trigger(20).due(state, 1_005, NOW.minusSeconds(5), NOW.minusSeconds(5), NOW))
                .get()
                .extracting(TrainerState.Trigger::detail)
                .asString()
                .contains("a label the champion cannot predict");
    }

    @Test
    void shouldNotRunWithoutAChampionOrWhileARunIsPending() {
        TrainerState state = afterFullRun(1_000);
        championLive = false;
        assertThat(trigger(1).due(state, 1_050, NOW.minusSeconds(5), NOW.minusSeconds(5), NOW))
                .isEmpty();

        championLive = true;
        var pending = new TrainerState.Trigger(TriggerPolicy.MANUAL, "please", "ops", NOW);
        assertThat(trigger(1).due(state.withPending(pending), 1_050, NOW.minusSeconds(5), NOW.minusSeconds(5), NOW))
                .isEmpty();
    }

    @Test
    void shouldCountFromTheLastRunOfEitherLaneWhileTheSlowLaneKeepsItsOwnBase() {
        var fastRun = new TrainerState.Run(
                "f", Lane.FAST_LANE_TRIGGER, NOW.minusSeconds(60), NOW.minusSeconds(30), "PUBLISHED", 2L, List.of());
        TrainerState state = afterFullRun(1_000).fastFinished(fastRun, 1_050);

        assertThat(trigger(1).due(state, 1_050, NOW.minusSeconds(5), NOW.minusSeconds(5), NOW))
                .isEmpty();
        assertThat(state.changeCountAtLastRun()).isEqualTo(1_000);
        assertThat(new TriggerPolicy(100, Duration.ofHours(24), true).due(state, 1_100, NOW))
                .get()
                .extracting(TrainerState.Trigger::reason)
                .isEqualTo(TriggerPolicy.MIN_CHANGES); // 100 since the full run, though only 50 since the fast one
        assertThat(state.lastFullRunEnd()).isEqualTo(NOW.minus(Duration.ofHours(1)));
    }

    @Test
    void shouldNotLetASteadyStreamPostponeItBeyondTheMaxDelay() {
        TrainerState state = afterFullRun(1_000);
        newLabel = true;

        // a change every second: never quiet for the debounce
        assertThat(trigger(1).due(state, 1_050, NOW.minusSeconds(29), NOW.minusSeconds(1), NOW))
                .isEmpty();
        assertThat(trigger(1).due(state, 1_050, NOW.minusSeconds(30), NOW.minusSeconds(1), NOW))
                .get()
                .extracting(TrainerState.Trigger::detail)
                .asString()
                .contains("still changing 30000 ms after the first change");
    }

    @Test
    void shouldPublishAtMostOneRefreshPerMinIntervalUnlessALabelIsNew() {
        var justFinished = new TrainerState.Run(
                "f", Lane.FAST_LANE_TRIGGER, NOW.minusSeconds(90), NOW.minusSeconds(60), "PUBLISHED", 2L, List.of());
        TrainerState state = afterFullRun(1_000).fastFinished(justFinished, 1_010);

        assertThat(trigger(1).due(state, 1_020, NOW.minusSeconds(10), NOW.minusSeconds(10), NOW))
                .isEmpty(); // one minute after the last run, 5 minutes apart
        assertThat(trigger(1).due(state, 1_020, NOW.minusSeconds(10), NOW.minusSeconds(10), NOW.plus(MIN_INTERVAL)))
                .isPresent();
        newLabel = true;
        assertThat(trigger(1).due(state, 1_020, NOW.minusSeconds(10), NOW.minusSeconds(10), NOW))
                .isPresent();
    }

    private static TrainerState afterFullRun(long changeCount) {
        Instant finished = NOW.minus(Duration.ofHours(1));
        var run = new TrainerState.Run("r", "manual", finished.minusSeconds(60), finished, "PUBLISHED", 1L, List.of());
        return TrainerState.initial("m").finished(run, changeCount);
    }
}
