package dev.streamtune.common.event;

import java.time.Instant;

/**
 * An operator asked for a change of state (a training run, a promotion, a rollback): who, what, when, and whether it
 * was done. Refused requests are audited too.
 *
 * @param actor the authenticated caller (the token's subject), or {@code anonymous} where authentication is off
 * @param action {@code train}, {@code promote} or {@code rollback}
 * @param version the version made live (promote, rollback), or null
 * @param previousVersion the version live before, or null
 * @param outcome {@code accepted} or {@code refused}
 * @param reason the reason the caller gave, or null
 * @param message what happened, or why it was refused
 */
public record AuditEvent(
        int schemaVersion,
        String model,
        String instance,
        Instant ts,
        String actor,
        String action,
        Long version,
        Long previousVersion,
        String outcome,
        String reason,
        String message)
        implements MonitoringEvent {

    public static final String ACCEPTED = "accepted";
    public static final String REFUSED = "refused";

    public AuditEvent {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
    }
}
