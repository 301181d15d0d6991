package dev.streamtune.trainer.bert.training;

/**
 * Progress after an optimizer step.
 *
 * @param epoch 1-based epoch
 * @param step optimizer steps done in the run so far
 * @param steps optimizer steps the run will take at most (early stopping can end it sooner)
 * @param loss mean training loss over the recent steps
 * @param seqPerSec training throughput over the recent steps
 * @param etaSeconds estimated seconds until the last step (evaluation passes not counted)
 */
public record TrainingProgress(
        int epoch, int epochs, long step, long steps, double loss, double seqPerSec, double etaSeconds) {}
