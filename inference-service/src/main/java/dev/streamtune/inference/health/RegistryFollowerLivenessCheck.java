package dev.streamtune.inference.health;

import dev.streamtune.inference.app.InferenceLifecycle;
import dev.streamtune.inference.registry.RegistryFollower;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/** Down when the registry follower has stopped following the models topic: no further swap would happen. */
@Liveness
@ApplicationScoped
public class RegistryFollowerLivenessCheck implements HealthCheck {

    @Inject
    InferenceLifecycle lifecycle;

    @Override
    public HealthCheckResponse call() {
        Optional<RegistryFollower> follower = lifecycle.follower();
        if (follower.isEmpty() || follower.get().isAlive()) {
            return HealthCheckResponse.named("registry-follower").up().build();
        }
        return HealthCheckResponse.named("registry-follower")
                .down()
                .withData(
                        "failure",
                        follower.get().failure().map(Throwable::toString).orElse("stopped"))
                .build();
    }
}
