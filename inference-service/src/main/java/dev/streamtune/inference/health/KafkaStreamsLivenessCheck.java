package dev.streamtune.inference.health;

import dev.streamtune.common.kafka.StreamsLiveness;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
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
        return StreamsLiveness.response(streams.state());
    }
}
