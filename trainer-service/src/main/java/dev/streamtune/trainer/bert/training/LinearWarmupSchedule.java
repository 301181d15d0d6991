package dev.streamtune.trainer.bert.training;

/**
 * BERT's learning-rate schedule: linear warmup from 0 to the peak over the first steps, then linear decay to 0 at the
 * last step.
 */
public record LinearWarmupSchedule(double peak, long warmupSteps, long totalSteps) {

    public LinearWarmupSchedule {
        if (totalSteps < 1 || warmupSteps < 0 || warmupSteps > totalSteps || !(peak > 0)) {
            throw new IllegalArgumentException(
                    "bad schedule: peak " + peak + ", warmup " + warmupSteps + ", total " + totalSteps);
        }
    }

    public static LinearWarmupSchedule of(double peak, double warmupFraction, long totalSteps) {
        return new LinearWarmupSchedule(peak, (long) Math.ceil(warmupFraction * totalSteps), totalSteps);
    }

    /** Learning rate of optimizer step {@code step} (1-based). */
    public double learningRate(long step) {
        if (step <= warmupSteps) {
            return peak * step / warmupSteps;
        }
        // the last step still moves: decay reaches 0 one step after it
        return peak * Math.max(0, totalSteps - step + 1) / (double) (totalSteps - warmupSteps + 1);
    }
}
