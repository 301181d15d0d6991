package dev.streamtune.trainer.bert.training;

/** Callbacks from a fine-tuning run, on the run's thread. Implementations must be quick and must not throw. */
public interface FineTuneListener {

    FineTuneListener NONE = new FineTuneListener() {};

    /** A phase began: {@code preparing}, {@code caching-features}, {@code training}, {@code evaluating}. */
    default void onPhase(String phase, String message) {}

    /** After every optimizer step (callers throttle what they forward). */
    default void onStep(TrainingProgress progress) {}

    /** After every epoch's validation pass. */
    default void onEpoch(EpochMetrics metrics) {}
}
