package dev.streamtune.trainer.health;

import dev.streamtune.trainer.TrainerService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the dataset store is restored from its changelog and queryable. */
@Readiness
@ApplicationScoped
public class DatasetReadinessCheck implements HealthCheck {

    @Inject
    TrainerService trainer;

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("trainer-dataset");
        if (!trainer.ready()) {
            return response.down().withData("reason", "dataset store restoring").build();
        }
        return response.up()
                .withData("examples", trainer.datasetStats().total())
                .withData("training", trainer.scheduler().active().isPresent())
                .build();
    }
}
