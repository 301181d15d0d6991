package dev.streamtune.trainer.trigger;

import java.time.Instant;
import java.util.List;

/**
 * What the trainer must remember across restarts, kept on its compacted state topic under the model name.
 *
 * @param pending a trigger not yet acted on (manual, drift, or a run a restart interrupted)
 * @param running the run in progress; found set at start-up it means the process died mid-run
 * @param lastRun the last run that ended, whatever its outcome
 * @param changeCountAtLastRun the dataset change counter at the last full-lane run's snapshot (the min-changes
 *     trigger's base)
 * @param lastDriftTriggerAt when a drift alert last caused a run (the cool-down's base)
 * @param changeCountAtLastFastRun the change counter at the last run of either lane (the fast lane's base); null:
 *     {@code changeCountAtLastRun}
 * @param lastFullRunAt when the last full-lane run ended (the max-interval trigger's base); null: {@code lastRun}'s end
 */
public record TrainerState(
        String model,
        Trigger pending,
        Run running,
        Run lastRun,
        long changeCountAtLastRun,
        Instant lastDriftTriggerAt,
        Long changeCountAtLastFastRun,
        Instant lastFullRunAt) {

    /** Why a run is wanted. */
    public record Trigger(String reason, String detail, String requestedBy, Instant requestedAt) {}

    /** One run's record. */
    public record Run(
            String runId,
            String trigger,
            Instant startedAt,
            Instant finishedAt,
            String outcome,
            Long version,
            List<String> reasons) {

        public Run {
            reasons = reasons == null ? List.of() : List.copyOf(reasons);
        }
    }

    public static TrainerState initial(String model) {
        return new TrainerState(model, null, null, null, 0, null, null, null);
    }

    public TrainerState withPending(Trigger trigger) {
        return new TrainerState(
                model,
                trigger,
                running,
                lastRun,
                changeCountAtLastRun,
                lastDriftTriggerAt,
                changeCountAtLastFastRun,
                lastFullRunAt);
    }

    public TrainerState withRunning(Run run) {
        return new TrainerState(
                model,
                pending,
                run,
                lastRun,
                changeCountAtLastRun,
                lastDriftTriggerAt,
                changeCountAtLastFastRun,
                lastFullRunAt);
    }

    public TrainerState withLastDriftTriggerAt(Instant at) {
        return new TrainerState(
                model, pending, running, lastRun, changeCountAtLastRun, at, changeCountAtLastFastRun, lastFullRunAt);
    }

    /** A full-lane run ended: both lanes' bases move. */
    public TrainerState finished(Run run, long changeCount) {
        return new TrainerState(
                model, pending, null, run, changeCount, lastDriftTriggerAt, changeCount, run.finishedAt());
    }

    /** A fast-lane run ended: only the fast lane's base moves; the slow lane's triggers keep counting. */
    public TrainerState fastFinished(Run run, long changeCount) {
        return new TrainerState(
                model, pending, null, run, changeCountAtLastRun, lastDriftTriggerAt, changeCount, lastFullRunAt);
    }

    /** The fast lane's base: the change counter at the last run of either lane. */
    public long fastLaneBase() {
        return changeCountAtLastFastRun == null
                ? changeCountAtLastRun
                : Math.max(changeCountAtLastRun, changeCountAtLastFastRun);
    }

    /** When the last full-lane run ended, if any. */
    public Instant lastFullRunEnd() {
        return lastFullRunAt != null ? lastFullRunAt : lastRun == null ? null : lastRun.finishedAt();
    }
}
