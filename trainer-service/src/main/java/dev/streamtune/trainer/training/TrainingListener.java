package dev.streamtune.trainer.training;

/** Progress of one fine-tuning run, as the engine reports it. */
public interface TrainingListener {

    /**
     * @param etaSeconds estimated seconds to the last step, -1 when unknown
     */
    void onStep(int epoch, int epochs, long step, long steps, double loss, double seqPerSec, double etaSeconds);

    /** A named stage began, e.g. {@code loading}, {@code training}, {@code evaluating}. */
    void onPhase(String phase, String message);

    /**
     * An epoch and its validation pass finished: one point of the run's training curves.
     *
     * @param epoch 1-based
     */
    default void onEpoch(
            int epoch,
            int epochs,
            double trainLoss,
            double trainAccuracy,
            double validationLoss,
            double validationAccuracy,
            double validationMacroF1,
            double seconds) {}
}
