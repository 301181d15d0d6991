package dev.streamtune.common.event;

import java.time.Instant;

/**
 * An inference instance switched models.
 *
 * @param fromVersion the version served before, null at start-up
 * @param loadMillis fetching, verifying, loading, warming up and self-checking the new model
 * @param rollback the new version is older than the one it replaced, on an explicit rollback
 */
public record SwapEvent(
        int schemaVersion,
        String model,
        String instance,
        Instant ts,
        Long fromVersion,
        long toVersion,
        long loadMillis,
        boolean rollback)
        implements MonitoringEvent {

    public SwapEvent {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
    }
}
