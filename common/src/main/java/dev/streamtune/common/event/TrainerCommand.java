package dev.streamtune.common.event;

import java.time.Instant;

/**
 * An operator's request to the trainer, on the commands topic keyed by model name (the REST API does the same).
 *
 * @param version for {@link Type#PROMOTE}: the version to make live (a rollback when older than the live one)
 */
public record TrainerCommand(
        int schemaVersion, Type type, String model, Long version, String requestedBy, String reason, Instant ts) {

    public enum Type {
        RETRAIN,
        PROMOTE
    }

    public TrainerCommand {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
    }
}
