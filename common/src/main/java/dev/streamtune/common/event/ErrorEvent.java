package dev.streamtune.common.event;

import java.time.Instant;

/**
 * A failure a service survived, e.g. a model version refused at swap time (the old one kept serving) or a failed
 * training run.
 *
 * @param component where it happened, e.g. {@code hot-swap}, {@code training}, {@code artifact-store}
 * @param version the model version concerned, when there is one
 */
public record ErrorEvent(
        int schemaVersion, String model, String instance, Instant ts, Long version, String component, String message)
        implements MonitoringEvent {

    public ErrorEvent {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
    }
}
