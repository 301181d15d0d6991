package dev.streamtune.common.event;

import java.time.Instant;

/**
 * A condition that needs attention, such as drift past its threshold for consecutive windows. The trainer's drift
 * trigger reads alerts of kind {@code drift}.
 *
 * @param kind what raised it, e.g. {@code drift}
 * @param severity {@code warning} or {@code critical}
 * @param windowStart start of the drift window that raised it, null for an alert not about one window: with the model
 *     and version it identifies the alert across repeats (the drift monitor is at-least-once)
 */
public record AlertEvent(
        int schemaVersion,
        String model,
        String instance,
        Instant ts,
        Long version,
        String kind,
        String severity,
        String message,
        Instant windowStart)
        implements MonitoringEvent {

    public AlertEvent {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
    }

    /** An alert not about one window. */
    public AlertEvent(
            int schemaVersion,
            String model,
            String instance,
            Instant ts,
            Long version,
            String kind,
            String severity,
            String message) {
        this(schemaVersion, model, instance, ts, version, kind, severity, message, null);
    }
}
