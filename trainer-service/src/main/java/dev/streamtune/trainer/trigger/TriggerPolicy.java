package dev.streamtune.trainer.trigger;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * When to train, as a pure function of the remembered state, the dataset's change counter and the clock: a pending
 * request first; then, when automatic, enough changes since the last run, or any change once the interval is up.
 */
public final class TriggerPolicy {

    public static final String MANUAL = "manual";
    public static final String DRIFT = "drift";
    public static final String RESUME = "resume";
    public static final String MIN_CHANGES = "min-changes";
    public static final String MAX_INTERVAL = "max-interval";
    public static final String DELETION = "deletion";

    private final long minChanges;
    private final Duration maxInterval;
    private final boolean automatic;

    public TriggerPolicy(long minChanges, Duration maxInterval, boolean automatic) {
        this.minChanges = minChanges;
        this.maxInterval = maxInterval;
        this.automatic = automatic;
    }

    /** The trigger to act on now, if any. */
    public Optional<TrainerState.Trigger> due(TrainerState state, long changeCount, Instant now) {
        if (state.pending() != null) {
            return Optional.of(state.pending());
        }
        if (!automatic) {
            return Optional.empty();
        }
        long changes = changeCount - state.changeCountAtLastRun();
        if (changes >= minChanges) {
            return Optional.of(new TrainerState.Trigger(
                    MIN_CHANGES, changes + " examples added, changed or deleted since the last run", "scheduler", now));
        }
        Instant last = lastRunEnd(state);
        if (changes > 0 && last != null && !now.isBefore(last.plus(maxInterval))) {
            return Optional.of(new TrainerState.Trigger(
                    MAX_INTERVAL,
                    changes + " unseen changes and " + maxInterval + " since the last run",
                    "scheduler",
                    now));
        }
        return Optional.empty();
    }

    /** A person-readable forecast of the next run, for the status endpoint. */
    public String nextRun(TrainerState state, long changeCount) {
        if (state.pending() != null) {
            return "as soon as possible: " + state.pending().reason() + " pending";
        }
        if (!automatic) {
            return "on request (automatic triggers are off)";
        }
        long changes = changeCount - state.changeCountAtLastRun();
        String byCount = "after " + Math.max(0, minChanges - changes) + " more changed examples";
        Instant last = lastRunEnd(state);
        return last == null || changes == 0
                ? byCount
                : byCount + " or at " + last.plus(maxInterval) + ", whichever comes first";
    }

    private static Instant lastRunEnd(TrainerState state) {
        return state.lastFullRunEnd();
    }
}
