package dev.streamtune.inference.health;

import dev.streamtune.common.kafka.StreamsLiveness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Liveness;

/**
 * Liveness of the drift topology: down once Kafka Streams has failed or stopped, up while it waits for the broker or
 * its topics ({@link StreamsLiveness}). Replaces Quarkus' check, which is disabled in application.properties.
 */
@Liveness
@ApplicationScoped
public class KafkaStreamsLivenessCheck implements HealthCheck {

    @Inject
    KafkaStreams streams;

    @Override
    public HealthCheckResponse call() {
        KafkaStreams.State state = streams.state();
        Optional<String> problem = StreamsLiveness.problem(state);
        var response = HealthCheckResponse.named("kafka-streams").withData("state", state.name());
        return problem.isPresent()
                ? response.down().withData("reason", problem.get()).build()
                : response.up().build();
    }
}
