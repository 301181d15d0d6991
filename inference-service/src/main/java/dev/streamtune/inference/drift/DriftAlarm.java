package dev.streamtune.inference.drift;

import java.time.Instant;

/**
 * Hysteresis state of one model version: consecutive breached and clean windows, whether an alert is raised, and
 * where the last window ended. "Consecutive" means consecutive in time: a window that does not start where the last
 * one ended (the windows between held no predictions) or that holds fewer than the minimum sample is no evidence
 * either way and breaks both runs.
 *
 * @param lastWindowEnd end of the last window seen, null before the first
 */
public record DriftAlarm(int breachedRun, int cleanRun, boolean raised, Instant lastWindowEnd) {

    static final DriftAlarm CLEAR = new DriftAlarm(0, 0, false, null);

    /**
     * The state after one closed window.
     *
     * @param sized whether the window held the minimum sample
     * @param breached whether it crossed a threshold (ignored when under-sized)
     * @param consecutive windows in a row that raise an alert, and clean ones that clear it
     */
    DriftAlarm next(Instant windowStart, Instant windowEnd, boolean sized, boolean breached, int consecutive) {
        boolean adjacent = lastWindowEnd == null || lastWindowEnd.equals(windowStart);
        int breachedBefore = adjacent ? breachedRun : 0;
        int cleanBefore = adjacent ? cleanRun : 0;
        int breaches = sized && breached ? breachedBefore + 1 : 0;
        int cleans = sized && !breached ? cleanBefore + 1 : 0;
        boolean up = raised ? cleans < consecutive : breaches >= consecutive;
        return new DriftAlarm(breaches, cleans, up, windowEnd);
    }

    /** Whether this state raised the alert {@code before} held down. */
    boolean raisedSince(DriftAlarm before) {
        return raised && !before.raised;
    }

    /** Whether this state cleared the alert {@code before} held up. */
    boolean clearedSince(DriftAlarm before) {
        return !raised && before.raised;
    }
}
