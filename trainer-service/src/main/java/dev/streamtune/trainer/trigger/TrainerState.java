package dev.streamtune.trainer.trigger;

import java.time.Instant;
import java.util.List;

/**
 * What the trainer must remember across restarts, kept on its compacted state topic under the model name.
 *
 * @param pending a trigger not yet acted on (manual, drift, or a run a restart interrupted)
 * @param running the run in progress; found set at start-up it means the process died mid-run
 * @param lastRun the last run that ended, whatever its outcome
 * @param changeCountAtLastRun the dataset change counter at the last run's snapshot (the min-changes trigger's base)
 * @param lastDriftTriggerAt when a drift alert last caused a run (the cool-down's base)
 */
public record TrainerState(
        String model,
        Trigger pending,
        Run running,
        Run lastRun,
        long changeCountAtLastRun,
        Instant lastDriftTriggerAt) {

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
        return new TrainerState(model, null, null, null, 0, null);
    }

    public TrainerState withPending(Trigger trigger) {
        return new TrainerState(model, trigger, running, lastRun, changeCountAtLastRun, lastDriftTriggerAt);
    }

    public TrainerState withRunning(Run run) {
        return new TrainerState(model, pending, run, lastRun, changeCountAtLastRun, lastDriftTriggerAt);
    }

    public TrainerState withLastDriftTriggerAt(Instant at) {
        return new TrainerState(model, pending, running, lastRun, changeCountAtLastRun, at);
    }

    public TrainerState finished(Run run, long changeCount) {
        return new TrainerState(model, pending, null, run, changeCount, lastDriftTriggerAt);
    }
}
