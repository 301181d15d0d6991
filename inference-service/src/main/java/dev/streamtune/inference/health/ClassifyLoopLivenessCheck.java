package dev.streamtune.inference.health;

import dev.streamtune.inference.app.InferenceLifecycle;
import dev.streamtune.inference.config.InferenceConfig;
import dev.streamtune.inference.stream.ClassifyLoop;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Down when the classify loop's thread has died, or when records wait and nothing has been committed for the stall
 * timeout: restarting the pod is the fix.
 */
@Liveness
@ApplicationScoped
public class ClassifyLoopLivenessCheck implements HealthCheck {

    @Inject
    InferenceLifecycle lifecycle;

    @Inject
    InferenceConfig config;

    @Override
    public HealthCheckResponse call() {
        Optional<ClassifyLoop> loop = lifecycle.loop();
        if (loop.isEmpty()) {
            return HealthCheckResponse.named("classify-loop")
                    .up()
                    .withData("enabled", false)
                    .build();
        }
        Optional<Throwable> failure = loop.get().failure();
        if (failure.isPresent() || !loop.get().isAlive()) {
            return HealthCheckResponse.named("classify-loop")
                    .down()
                    .withData("failure", failure.map(Throwable::toString).orElse("stopped"))
                    .build();
        }
        if (loop.get().isStalled(config.stream().stallTimeout())) {
            return HealthCheckResponse.named("classify-loop")
                    .down()
                    .withData(
                            "failure",
                            "records wait and nothing was committed for "
                                    + config.stream().stallTimeout())
                    .build();
        }
        return HealthCheckResponse.named("classify-loop")
                .up()
                .withData("polling", loop.get().isPolling())
                .build();
    }
}
