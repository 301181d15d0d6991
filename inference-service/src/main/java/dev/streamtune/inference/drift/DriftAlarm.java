package dev.streamtune.inference.drift;

/**
 * Hysteresis state of one model version: consecutive breached and clean windows, and whether an alert is raised.
 */
public record DriftAlarm(int breachedRun, int cleanRun, boolean raised) {

    static final DriftAlarm CLEAR = new DriftAlarm(0, 0, false);

    DriftAlarm breached() {
        return new DriftAlarm(breachedRun + 1, 0, raised);
    }

    DriftAlarm clean() {
        return new DriftAlarm(0, cleanRun + 1, raised);
    }

    DriftAlarm raise() {
        return new DriftAlarm(breachedRun, cleanRun, true);
    }

    DriftAlarm clear() {
        return new DriftAlarm(breachedRun, cleanRun, false);
    }
}
