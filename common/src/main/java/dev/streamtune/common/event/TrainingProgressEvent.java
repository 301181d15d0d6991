package dev.streamtune.common.event;

import java.time.Instant;

/**
 * Progress of a training run.
 *
 * @param phase {@code started}, {@code labels}, {@code training}, {@code evaluating}, {@code exporting},
 *     {@code publishing}, {@code finished}, {@code skipped}, {@code rejected}, {@code postponed}, {@code superseded},
 *     {@code unconfirmed}, {@code failed} or {@code cancelled}
 * @param step optimizer steps done so far in the run
 * @param seqPerSec training throughput over the last steps
 * @param etaSeconds estimated seconds until the run's last step, -1 when unknown
 */
public record TrainingProgressEvent(
        int schemaVersion,
        String model,
        String instance,
        Instant ts,
        String runId,
        String phase,
        int epoch,
        int epochs,
        long step,
        long steps,
        double loss,
        double seqPerSec,
        double etaSeconds,
        String message)
        implements MonitoringEvent {

    public TrainingProgressEvent {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
    }
}
