package dev.streamtune.trainer.bert.training;

/**
 * What one epoch did: training loss and accuracy (as measured during the epoch, with dropout on) next to validation
 * loss, accuracy and macro-F1.
 */
public record EpochMetrics(
        int epoch,
        double trainLoss,
        double trainAccuracy,
        double validationLoss,
        double validationAccuracy,
        double validationMacroF1,
        double seconds) {}
