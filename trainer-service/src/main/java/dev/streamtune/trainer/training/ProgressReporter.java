package dev.streamtune.trainer.training;

import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TrainingEpochEvent;
import dev.streamtune.common.event.TrainingProgressEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Reports a run's progress to the log and the monitoring topic, and keeps the latest report for the status endpoint.
 * Step reports are thinned to one per {@code stepInterval} (and the last step) so a fast run does not flood the topic.
 */
public final class ProgressReporter {

    private static final Logger LOG = Logger.getLogger(ProgressReporter.class);

    private final String model;
    private final String instance;
    private final MonitoringSink sink;
    private final Clock clock;
    private final Duration stepInterval;
    private final AtomicReference<TrainingProgressEvent> latest = new AtomicReference<>();

    public ProgressReporter(String model, String instance, MonitoringSink sink, Clock clock, Duration stepInterval) {
        this.model = model;
        this.instance = instance;
        this.sink = sink;
        this.clock = clock;
        this.stepInterval = stepInterval;
    }

    /** The last progress reported, null before the first run. */
    public TrainingProgressEvent latest() {
        return latest.get();
    }

    public void phase(String runId, String phase, String message) {
        TrainingProgressEvent previous = latest.get();
        boolean sameRun = previous != null && runId.equals(previous.runId());
        LOG.infof("Run %s [%s] %s", runId, phase, message);
        emit(new TrainingProgressEvent(
                SchemaVersions.CURRENT,
                model,
                instance,
                clock.instant(),
                runId,
                phase,
                sameRun ? previous.epoch() : 0,
                sameRun ? previous.epochs() : 0,
                sameRun ? previous.step() : 0,
                sameRun ? previous.steps() : 0,
                sameRun ? previous.loss() : Double.NaN,
                sameRun ? previous.seqPerSec() : 0,
                -1,
                message));
    }

    /** The listener that reports one run's steps, epochs and phases here. */
    public TrainingListener listener(String runId) {
        return new RunProgressListener(this, runId, clock, stepInterval);
    }

    /** Keeps a step as the latest progress; logs and emits it too when {@code report} (the thinned steps). */
    void step(
            String runId,
            Instant at,
            int epoch,
            int epochs,
            long step,
            long steps,
            double loss,
            double seqPerSec,
            double etaSeconds,
            boolean report) {
        TrainingProgressEvent event = new TrainingProgressEvent(
                SchemaVersions.CURRENT,
                model,
                instance,
                at,
                runId,
                "training",
                epoch,
                epochs,
                step,
                steps,
                loss,
                seqPerSec,
                etaSeconds,
                null);
        latest.set(event);
        if (report) {
            LOG.infof(
                    "Run %s epoch %s/%s step %s/%s loss %s %s seq/s ETA %s s",
                    runId,
                    epoch,
                    epochs,
                    step,
                    steps,
                    String.format("%.4f", loss),
                    String.format("%.1f", seqPerSec),
                    Math.round(etaSeconds));
            sink.emit(event);
        }
    }

    void epoch(
            String runId,
            int epoch,
            int epochs,
            double trainLoss,
            double trainAccuracy,
            double validationLoss,
            double validationAccuracy,
            double validationMacroF1,
            double seconds) {
        LOG.infof(
                "Run %s epoch %s/%s: train loss %s accuracy %s, validation loss %s accuracy %s macro-F1 %s",
                runId,
                epoch,
                epochs,
                String.format("%.4f", trainLoss),
                String.format("%.4f", trainAccuracy),
                String.format("%.4f", validationLoss),
                String.format("%.4f", validationAccuracy),
                String.format("%.4f", validationMacroF1));
        sink.emit(new TrainingEpochEvent(
                SchemaVersions.CURRENT,
                model,
                instance,
                clock.instant(),
                runId,
                epoch,
                epochs,
                trainLoss,
                trainAccuracy,
                validationLoss,
                validationAccuracy,
                validationMacroF1,
                seconds));
    }

    private void emit(TrainingProgressEvent event) {
        latest.set(event);
        sink.emit(event);
    }
}
