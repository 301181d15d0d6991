package dev.streamtune.common.event;

import java.time.Instant;

/**
 * A condition that needs attention, such as drift past its threshold for consecutive windows. The trainer's drift
 * trigger reads alerts of kind {@code drift}.
 *
 * @param kind what raised it, e.g. {@code drift}
 * @param severity {@code warning} or {@code critical}
 */
public record AlertEvent(
        int schemaVersion,
        String model,
        String instance,
        Instant ts,
        Long version,
        String kind,
        String severity,
        String message)
        implements MonitoringEvent {

    public AlertEvent {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
    }
}
