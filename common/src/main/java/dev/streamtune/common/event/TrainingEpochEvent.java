package dev.streamtune.common.event;

import java.time.Instant;

/**
 * One finished epoch of a training run: training loss and accuracy (measured during the epoch, dropout on) next to
 * validation loss, accuracy and macro-F1. A training curve is the run's epoch events in order; a validation loss that
 * rises while the training loss keeps falling is where overfitting shows.
 *
 * @param runId the run (its {@link ValidationEvent} names the version it became)
 * @param epoch 1-based
 * @param seconds wall time of the epoch, validation pass included
 */
public record TrainingEpochEvent(
        int schemaVersion,
        String model,
        String instance,
        Instant ts,
        String runId,
        int epoch,
        int epochs,
        double trainLoss,
        double trainAccuracy,
        double validationLoss,
        double validationAccuracy,
        double validationMacroF1,
        double seconds)
        implements MonitoringEvent {

    public TrainingEpochEvent {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
    }
}
