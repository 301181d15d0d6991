package dev.streamtune.inference.health;

import dev.streamtune.inference.config.InferenceConfig;
import dev.streamtune.inference.model.LoadedModel;
import dev.streamtune.inference.model.ModelHolder;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready only with a model in service (Kafka reachability is the Kafka client extension's readiness check). */
@Readiness
@ApplicationScoped
public class ModelReadinessCheck implements HealthCheck {

    @Inject
    ModelHolder holder;

    @Inject
    InferenceConfig config;

    @Override
    public HealthCheckResponse call() {
        LoadedModel model = holder.peek();
        if (model == null) {
            return HealthCheckResponse.named("model")
                    .down()
                    .withData("model", config.model().name())
                    .withData("reason", "no model loaded yet")
                    .build();
        }
        return HealthCheckResponse.named("model")
                .up()
                .withData("model", model.name())
                .withData("version", model.version())
                .withData("graph", model.graph())
                .build();
    }
}
