package dev.streamtune.trainer.training;

import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.TrainingLineage;
import java.time.Instant;
import java.util.List;

/**
 * How a training run ended.
 *
 * @param version the version number it used, null when it stopped before allocating one
 * @param reasons why it was rejected, postponed, skipped, superseded or failed
 * @param snapshotChangeCount the dataset change counter at the run's snapshot, null when it stopped before one
 */
public record RunOutcome(
        String runId,
        String trigger,
        Status status,
        Long version,
        boolean live,
        List<String> reasons,
        ClassificationMetrics validation,
        ClassificationMetrics test,
        TrainingLineage lineage,
        Long snapshotChangeCount,
        Instant startedAt,
        Instant finishedAt) {

    public enum Status {
        /** Passed the gate, published and announced. */
        PUBLISHED,
        /** Failed the gate; recorded as a REJECTED version. */
        REJECTED,
        /**
         * Not decided: the live champion could not be evaluated (its artifact missing, tampered with or unloadable),
         * so the candidate could not be compared with it; nothing is published, an alert says why, and a later run
         * (or an operator's promotion or rollback) settles it.
         */
        POSTPONED,
        /** Not enough data to train. */
        SKIPPED,
        /** An example it trained on was deleted meanwhile: discarded, a new run follows. */
        SUPERSEDED,
        CANCELLED,
        /** Stopped before anything was announced, or its announcement certainly failed: nothing of it is visible. */
        FAILED,
        /**
         * Its announcement may or may not have committed: the broker stayed out of reach while the trainer tried to
         * learn the outcome. The models topic decides; the run is never reported FAILED or PUBLISHED on a guess.
         */
        UNCONFIRMED
    }

    public RunOutcome {
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
}
