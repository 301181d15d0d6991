package dev.streamtune.trainer.health;

import dev.streamtune.trainer.TrainerService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down once this trainer can publish no more (its registry producer was fenced by another trainer of the same model,
 * or the cluster refuses it): restarting is the way on. Kafka Streams has its own liveness check.
 */
@Liveness
@ApplicationScoped
public class TrainerLivenessCheck implements HealthCheck {

    @Inject
    TrainerService trainer;

    @Override
    public HealthCheckResponse call() {
        var response = HealthCheckResponse.named("trainer-registry-writer");
        Optional<String> fatal = trainer.fatalFailure();
        return fatal.isPresent()
                ? response.down().withData("reason", fatal.get()).build()
                : response.up().build();
    }
}
