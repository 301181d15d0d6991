package dev.streamtune.trainer.console;

import dev.streamtune.trainer.app.TrainerClients;
import dev.streamtune.trainer.config.TrainerConfig;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Clock;
import java.util.Optional;

/** Follows this trainer's model on the monitoring topic for the console, from the service's start to its stop. */
@ApplicationScoped
public class ConsoleHistoryService {

    @Inject
    TrainerConfig config;

    @Inject
    TrainerClients clients;

    @Inject
    Clock clock;

    private volatile MonitoringHistory history;

    void onStart(@Observes StartupEvent event) {
        history = new MonitoringHistory(
                        config.topics().monitoring(),
                        config.model(),
                        clients.config(),
                        MonitoringHistory.Limits.DEFAULT,
                        MonitoringHistory.ConsumerFactory.KAFKA,
                        clock)
                .start();
    }

    void onStop(@Observes ShutdownEvent event) {
        MonitoringHistory h = history;
        if (h != null) {
            h.close();
        }
    }

    public String model() {
        return config.model();
    }

    /** How its follower fares; empty until the service has started. */
    public Optional<MonitoringHistory.Health> health() {
        MonitoringHistory h = history;
        return h == null ? Optional.empty() : Optional.of(h.health());
    }

    /** The history read so far; empty until the service has started. */
    public MonitoringHistory.Snapshot snapshot() {
        MonitoringHistory h = history;
        return h == null ? MonitoringHistory.empty() : h.snapshot();
    }
}
