package dev.streamtune.trainer.trigger;

import dev.streamtune.trainer.training.Lane;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When the fast lane refreshes the champion's head: the dataset changed since the last run of either lane (by
 * {@code minChanges}, or by any change when it brought a label the champion cannot predict) and has been quiet for
 * {@code debounce}. Only with a live champion (there is nothing to refresh otherwise) and only when no slow-lane
 * trigger is due: the scheduler asks the slow lane first, so a pending full run always wins.
 */
public final class FastLaneTrigger {

    /** What the fast lane needs to know beyond the trainer's state. */
    public interface Signals {
        /** A version is live (its head can be refreshed). */
        boolean championLive();

        /** The dataset holds a label the live version cannot predict. */
        boolean labelChampionLacks();
    }

    /** Configuration. */
    public record Settings(boolean enabled, Duration debounce, long minChanges) {

        public static Settings disabled() {
            return new Settings(false, Duration.ZERO, 1);
        }
    }

    private final Settings settings;
    private final Signals signals;

    public FastLaneTrigger(Settings settings, Signals signals) {
        this.settings = settings;
        this.signals = signals;
    }

    /**
     * @param lastChangeAt when the scheduler last saw the change counter move
     */
    public Optional<TrainerState.Trigger> due(TrainerState state, long changeCount, Instant lastChangeAt, Instant now) {
        if (!settings.enabled() || state.pending() != null) {
            return Optional.empty();
        }
        long changes = changeCount - state.fastLaneBase();
        if (changes <= 0 || lastChangeAt == null || now.isBefore(lastChangeAt.plus(settings.debounce()))) {
            return Optional.empty();
        }
        if (!signals.championLive()) {
            return Optional.empty();
        }
        boolean newLabel = signals.labelChampionLacks();
        if (changes < settings.minChanges() && !newLabel) {
            return Optional.empty();
        }
        String detail = changes + " example(s) added, changed or deleted since the last run"
                + (newLabel ? ", a label the champion cannot predict among them" : "") + "; quiet for "
                + Duration.between(lastChangeAt, now).toMillis() + " ms";
        return Optional.of(new TrainerState.Trigger(Lane.FAST_LANE_TRIGGER, detail, "scheduler", now));
    }

    /** A person-readable forecast, for the status endpoint. */
    public String describe() {
        return settings.enabled()
                ? "; fast lane: a head refresh " + settings.debounce() + " after " + settings.minChanges()
                        + " change(s) (or a new label) while a version is live"
                : "";
    }
}
