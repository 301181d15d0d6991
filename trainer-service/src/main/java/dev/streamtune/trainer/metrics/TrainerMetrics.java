package dev.streamtune.trainer.metrics;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.trainer.TrainerService;
import dev.streamtune.trainer.dataset.TrainerSignals;
import dev.streamtune.trainer.training.RunOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.List;

/** The trainer's meters: runs by outcome and duration, drift alerts read, and gauges of the dataset and live model. */
public final class TrainerMetrics {

    private final MeterRegistry registry;
    private final Timer runDuration;

    public TrainerMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.runDuration = Timer.builder("streamtune.trainer.run.duration")
                .description("Wall time of training runs")
                .register(registry);
    }

    /** Counts a finished run by outcome and records its wall time. */
    public void runEnded(RunOutcome outcome) {
        Counter.builder("streamtune.trainer.runs")
                .description("Training runs by outcome")
                .tag("outcome", outcome.status().name().toLowerCase())
                .register(registry)
                .increment();
        runDuration.record(Duration.between(outcome.startedAt(), outcome.finishedAt()));
    }

    /** {@code target}, with every drift alert for this model counted (the drift alert's metric). */
    public TrainerSignals countingDriftAlerts(TrainerSignals target) {
        Counter alerts = Counter.builder("streamtune.trainer.drift.alerts")
                .description("Drift alerts for this model read from the monitoring topic")
                .register(registry);
        return new TrainerSignals() {
            @Override
            public void onCommand(TrainerCommand command) {
                target.onCommand(command);
            }

            @Override
            public void onDriftAlert(AlertEvent alert) {
                alerts.increment();
                target.onDriftAlert(alert);
            }
        };
    }

    /** Gauges read from {@code trainer} when scraped; zero while it is not ready. */
    public void registerGauges(TrainerService trainer) {
        for (String split : List.of("train", "validation", "test")) {
            Gauge.builder(
                            "streamtune.trainer.dataset.examples",
                            trainer,
                            s -> s.ready() ? s.datasetStats().total(split) : 0)
                    .description("Examples in the dataset store")
                    .tag("split", split)
                    .register(registry);
        }
        Gauge.builder(
                        "streamtune.trainer.dataset.labels",
                        trainer,
                        s -> s.ready() ? s.datasetStats().labels().size() : 0)
                .description("Labels with at least one example")
                .register(registry);
        Gauge.builder(
                        "streamtune.trainer.dataset.rejected",
                        trainer,
                        s -> s.ready() ? s.datasetStats().rejected() : 0)
                .description("Example records refused to the DLQ")
                .register(registry);
        Gauge.builder(
                        "streamtune.trainer.dataset.changes.unseen",
                        trainer,
                        s -> s.ready()
                                ? s.datasetStats().changeCount()
                                        - s.scheduler().state().changeCountAtLastRun()
                                : 0)
                .description("Examples added, changed or deleted since the last run's snapshot")
                .register(registry);
        Gauge.builder(
                        "streamtune.trainer.model.live.version",
                        trainer,
                        s -> s.ready()
                                ? s.champion().map(ModelRegistryEvent::version).orElse(0L)
                                : 0)
                .description("Version live on the models topic")
                .register(registry);
        Gauge.builder(
                        "streamtune.trainer.model.live.timestamp",
                        trainer,
                        s -> s.ready()
                                ? s.champion()
                                        .map(c -> c.manifest().createdAt().getEpochSecond())
                                        .orElse(0L)
                                : 0)
                .description("When the live version's artifact was made (Unix time); 0 before the first")
                .baseUnit("seconds")
                .register(registry);
        Gauge.builder(
                        "streamtune.trainer.training.active",
                        trainer,
                        s -> s.scheduler().active().isPresent() ? 1 : 0)
                .description("1 while a training run is in progress")
                .register(registry);
    }
}
