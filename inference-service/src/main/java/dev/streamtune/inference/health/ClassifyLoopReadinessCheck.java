package dev.streamtune.inference.health;

import dev.streamtune.inference.app.InferenceLifecycle;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready once the classify loop has joined its group and been given its partitions (REST-only: always). */
@Readiness
@ApplicationScoped
public class ClassifyLoopReadinessCheck implements HealthCheck {

    @Inject
    InferenceLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        return lifecycle
                .loop()
                .map(loop -> HealthCheckResponse.named("classify-loop-assignment")
                        .status(loop.hasJoined())
                        .withData("joined", loop.hasJoined())
                        .build())
                .orElseGet(() -> HealthCheckResponse.named("classify-loop-assignment")
                        .up()
                        .withData("enabled", false)
                        .build());
    }
}
