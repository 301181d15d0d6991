package dev.streamtune.trainer.audit;

import dev.streamtune.common.event.AuditEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.trainer.training.MonitoringSink;
import java.time.Clock;
import org.jboss.logging.Logger;

/** Who asked for which change of state, and whether it was done: to the log and the monitoring topic. */
public final class AuditTrail {

    private static final Logger LOG = Logger.getLogger(AuditTrail.class);

    public static final String TRAIN = "train";
    public static final String PROMOTE = "promote";
    public static final String ROLLBACK = "rollback";

    private final String model;
    private final String instance;
    private final MonitoringSink sink;
    private final Clock clock;

    public AuditTrail(String model, String instance, MonitoringSink sink, Clock clock) {
        this.model = model;
        this.instance = instance;
        this.sink = sink;
        this.clock = clock;
    }

    /** The change was made (or, for a training request, accepted). */
    public void accepted(
            String actor, String action, Long version, Long previousVersion, String reason, String message) {
        record(actor, action, version, previousVersion, AuditEvent.ACCEPTED, reason, message);
    }

    /** The change was asked for and refused. */
    public void refused(
            String actor, String action, Long version, Long previousVersion, String reason, String message) {
        record(actor, action, version, previousVersion, AuditEvent.REFUSED, reason, message);
    }

    /** The change was written but not confirmed: the models topic, once the broker answers, says whether it was made. */
    public void unconfirmed(
            String actor, String action, Long version, Long previousVersion, String reason, String message) {
        record(actor, action, version, previousVersion, AuditEvent.UNCONFIRMED, reason, message);
    }

    private void record(
            String actor,
            String action,
            Long version,
            Long previousVersion,
            String outcome,
            String reason,
            String message) {
        LOG.infof(
                "AUDIT %s %s %s%s by %s: %s (%s)",
                model, action, outcome, version == null ? "" : " v" + version, actor, message, reason);
        sink.emit(new AuditEvent(
                SchemaVersions.CURRENT,
                model,
                instance,
                clock.instant(),
                actor,
                action,
                version,
                previousVersion,
                outcome,
                reason,
                message));
    }
}
