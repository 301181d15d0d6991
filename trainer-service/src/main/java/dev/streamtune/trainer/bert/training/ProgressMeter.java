package dev.streamtune.trainer.bert.training;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * Throughput and ETA over the last {@value #WINDOW} steps, a log line every few seconds, and the listener callback
 * after every step.
 */
final class ProgressMeter {

    private static final Logger LOG = Logger.getLogger(ProgressMeter.class);
    static final int WINDOW = 20;
    private static final long LOG_INTERVAL_NANOS = 10_000_000_000L;

    private record Sample(long nanos, int sequences, double loss) {}

    private final Deque<Sample> window = new ArrayDeque<>();
    private final FineTuneListener listener;
    private final String label;
    private final long totalSteps;
    private final int epochs;
    private long lastLog = System.nanoTime();
    private long trainingNanos;
    private long trainingSequences;

    ProgressMeter(FineTuneListener listener, String label, long totalSteps, int epochs) {
        this.listener = listener;
        this.label = label;
        this.totalSteps = totalSteps;
        this.epochs = epochs;
    }

    void stepDone(int epoch, long step, int sequences, double loss, long stepNanos, double learningRate) {
        trainingNanos += stepNanos;
        trainingSequences += sequences;
        window.addLast(new Sample(stepNanos, sequences, loss));
        if (window.size() > WINDOW) {
            window.removeFirst();
        }
        long nanos = 0;
        int seqs = 0;
        double lossSum = 0;
        for (Sample s : window) {
            nanos += s.nanos;
            seqs += s.sequences;
            lossSum += s.loss;
        }
        double seqPerSec = nanos == 0 ? 0 : seqs / (nanos / 1e9);
        double secondsPerStep = nanos / 1e9 / window.size();
        double eta = (totalSteps - step) * secondsPerStep;
        TrainingProgress progress =
                new TrainingProgress(epoch, epochs, step, totalSteps, lossSum / window.size(), seqPerSec, eta);
        listener.onStep(progress);
        long now = System.nanoTime();
        if (now - lastLog >= LOG_INTERVAL_NANOS || step == totalSteps || step == 1) {
            lastLog = now;
            LOG.infof(
                    "%s epoch %d/%d step %d/%d (%.0f%%) loss %.4f lr %.2e %.1f seq/s ETA %s",
                    label,
                    epoch,
                    epochs,
                    step,
                    totalSteps,
                    100.0 * step / totalSteps,
                    progress.loss(),
                    learningRate,
                    seqPerSec,
                    formatSeconds(eta));
        }
    }

    /** Mean training throughput over every step so far (evaluation excluded). */
    double meanSeqPerSec() {
        return trainingNanos == 0 ? 0 : trainingSequences / (trainingNanos / 1e9);
    }

    static String formatSeconds(double seconds) {
        long s = Math.round(seconds);
        return s >= 3600
                ? String.format(Locale.ROOT, "%dh%02dm%02ds", s / 3600, (s / 60) % 60, s % 60)
                : String.format(Locale.ROOT, "%dm%02ds", s / 60, s % 60);
    }
}
