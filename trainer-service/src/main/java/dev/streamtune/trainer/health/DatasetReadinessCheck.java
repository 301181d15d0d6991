package dev.streamtune.trainer.health;

import dev.streamtune.trainer.TrainerService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Ready once Kafka Streams runs with every examples partition assigned here, its dataset store restored from the
 * changelog and queryable.
 */
@Readiness
@ApplicationScoped
public class DatasetReadinessCheck implements HealthCheck {

    @Inject
    TrainerService trainer;

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("trainer-dataset");
        Optional<String> notReady = trainer.notReadyReason();
        if (notReady.isPresent()) {
            return response.down().withData("reason", notReady.get()).build();
        }
        return response.up()
                .withData("examples", trainer.datasetStats().total())
                .withData("training", trainer.scheduler().active().isPresent())
                .build();
    }
}
