package dev.streamtune.trainer.training;

import java.util.Locale;

/**
 * Which of the trainer's two speeds produced a version. {@link #FULL}: fine-tuning as configured (the slow lane).
 * {@link #FAST}: the live champion's encoder kept frozen, only its head refreshed on cached encoder features, so new
 * examples and new labels are served within seconds; the slow lane replaces it through the same gate later.
 */
public enum Lane {
    FULL,
    FAST;

    /** The trigger name that asks for a fast-lane run. */
    public static final String FAST_LANE_TRIGGER = "fast-lane";

    /** The lane a trigger asks for. */
    public static Lane of(String trigger) {
        return FAST_LANE_TRIGGER.equals(trigger) ? FAST : FULL;
    }

    /** How manifests and monitoring name it. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
