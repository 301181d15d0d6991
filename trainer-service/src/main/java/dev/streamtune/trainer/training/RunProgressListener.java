package dev.streamtune.trainer.training;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

/**
 * One run's {@link TrainingListener} for a {@link ProgressReporter}: every step becomes the latest progress, but only
 * one step per {@code stepInterval} (and the last one) is logged and emitted, so a fast run does not flood the topic.
 */
final class RunProgressListener implements TrainingListener {

    private final ProgressReporter reporter;
    private final String runId;
    private final Clock clock;
    private final Duration stepInterval;
    private Instant lastReport = Instant.EPOCH;

    RunProgressListener(ProgressReporter reporter, String runId, Clock clock, Duration stepInterval) {
        this.reporter = reporter;
        this.runId = runId;
        this.clock = clock;
        this.stepInterval = stepInterval;
    }

    @Override
    public void onStep(int epoch, int epochs, long step, long steps, double loss, double seqPerSec, double etaSeconds) {
        Instant now = clock.instant();
        boolean report = step >= steps || Duration.between(lastReport, now).compareTo(stepInterval) >= 0;
        if (report) {
            lastReport = now;
        }
        reporter.step(runId, now, epoch, epochs, step, steps, loss, seqPerSec, etaSeconds, report);
    }

    @Override
    public void onPhase(String phase, String message) {
        reporter.phase(runId, phase, message);
    }

    @Override
    public void onEpoch(
            int epoch,
            int epochs,
            double trainLoss,
            double trainAccuracy,
            double validationLoss,
            double validationAccuracy,
            double validationMacroF1,
            double seconds) {
        reporter.epoch(
                runId,
                epoch,
                epochs,
                trainLoss,
                trainAccuracy,
                validationLoss,
                validationAccuracy,
                validationMacroF1,
                seconds);
    }
}
