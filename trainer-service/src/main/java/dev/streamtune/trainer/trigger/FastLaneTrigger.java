package dev.streamtune.trainer.trigger;

import dev.streamtune.trainer.training.Lane;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When the fast lane refreshes the champion's head: the dataset changed since the last run of either lane (by
 * {@code minChanges}, or by any change when it brought a label the champion cannot predict) and has been quiet for
 * {@code debounce} — or changes have kept coming for {@code maxDelay} since the first one the last run did not see, so
 * a steady stream cannot postpone it for ever. Without a new label, at most one fast run per {@code minInterval}
 * (each run publishes a version: a stream of corrections must not publish one every few seconds); a label the
 * champion lacks does not wait for it. Only with a live champion (there is nothing to refresh otherwise) and only
 * when no slow-lane trigger is due: the scheduler asks the slow lane first, so a pending full run always wins.
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
    public record Settings(
            boolean enabled, Duration debounce, Duration maxDelay, long minChanges, Duration minInterval) {

        public static Settings disabled() {
            return new Settings(false, Duration.ZERO, Duration.ZERO, 1, Duration.ZERO);
        }
    }

    private final Settings settings;
    private final Signals signals;

    public FastLaneTrigger(Settings settings, Signals signals) {
        this.settings = settings;
        this.signals = signals;
    }

    /**
     * @param firstChangeAt when the scheduler first saw the change counter move after the last run started
     * @param lastChangeAt when the scheduler last saw the change counter move
     */
    public Optional<TrainerState.Trigger> due(
            TrainerState state, long changeCount, Instant firstChangeAt, Instant lastChangeAt, Instant now) {
        if (!settings.enabled() || state.pending() != null) {
            return Optional.empty();
        }
        long changes = changeCount - state.fastLaneBase();
        if (changes <= 0 || lastChangeAt == null) {
            return Optional.empty();
        }
        boolean quiet = !now.isBefore(lastChangeAt.plus(settings.debounce()));
        boolean overdue = firstChangeAt != null && !now.isBefore(firstChangeAt.plus(settings.maxDelay()));
        if (!(quiet || overdue) || !signals.championLive()) {
            return Optional.empty();
        }
        boolean newLabel = signals.labelChampionLacks();
        if (!newLabel && (changes < settings.minChanges() || tooSoon(state, now))) {
            return Optional.empty();
        }
        String detail = changes + " example(s) added, changed or deleted since the last run"
                + (newLabel ? ", a label the champion cannot predict among them" : "")
                + (quiet
                        ? "; quiet for " + Duration.between(lastChangeAt, now).toMillis() + " ms"
                        : "; still changing "
                                + Duration.between(firstChangeAt, now).toMillis() + " ms after the" + " first change");
        return Optional.of(new TrainerState.Trigger(Lane.FAST_LANE_TRIGGER, detail, "scheduler", now));
    }

    private boolean tooSoon(TrainerState state, Instant now) {
        Instant last = state.lastRun() == null ? null : state.lastRun().finishedAt();
        return last != null && now.isBefore(last.plus(settings.minInterval()));
    }

    /** A person-readable forecast, for the status endpoint. */
    public String describe() {
        return settings.enabled()
                ? "; fast lane: a head refresh " + settings.debounce() + " after " + settings.minChanges()
                        + " change(s) (at most every " + settings.minInterval() + ") or a new label, at the latest "
                        + settings.maxDelay() + " after the first change, while a version is live"
                : "";
    }
}
