package dev.streamtune.inference.health;

import dev.streamtune.inference.config.InferenceConfig;
import dev.streamtune.inference.engine.BatchingEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Down when the inference thread has died or one batch has run past the hang timeout (a stuck runtime call). */
@Liveness
@ApplicationScoped
public class EngineLivenessCheck implements HealthCheck {

    @Inject
    BatchingEngine engine;

    @Inject
    InferenceConfig config;

    @Override
    public HealthCheckResponse call() {
        BatchingEngine.Health health = engine.health();
        if (!health.alive()) {
            return HealthCheckResponse.named("inference-engine")
                    .down()
                    .withData(
                            "failure", health.failure().map(Throwable::toString).orElse("stopped"))
                    .build();
        }
        if (health.busyFor().compareTo(config.batch().hangTimeout()) > 0) {
            return HealthCheckResponse.named("inference-engine")
                    .down()
                    .withData(
                            "failure",
                            "one batch has run for " + health.busyFor().toSeconds() + " s")
                    .build();
        }
        return HealthCheckResponse.named("inference-engine")
                .up()
                .withData("queuedTexts", health.queuedTexts())
                .build();
    }
}
