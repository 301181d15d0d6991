package dev.streamtune.common.kafka;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * Whether a Kafka Streams instance is alive in the sense of a liveness probe: whether restarting the process would help.
 * Quarkus' own check ({@code KafkaStreamsStateHealthCheck}) is up only while running or rebalancing, so a service
 * started while the broker is out of reach (Quarkus waits for the topics before it starts Kafka Streams: state
 * {@code CREATED}) was restarted by Kubernetes every minute until the broker came back, and then after a crash-loop
 * back-off of up to five minutes. Waiting for the broker or the topics is readiness' business; liveness is down only
 * once Kafka Streams has failed (its stream threads died and were not replaced) or stopped.
 */
public final class StreamsLiveness {

    private StreamsLiveness() {}

    /** Why a process whose Kafka Streams is in {@code state} should be restarted; empty when it should not. */
    public static Optional<String> problem(KafkaStreams.State state) {
        return switch (state) {
            case CREATED, REBALANCING, RUNNING -> Optional.empty();
            case PENDING_ERROR, ERROR ->
                Optional.of("Kafka Streams failed (" + state + "): its stream threads died and were not replaced");
            case PENDING_SHUTDOWN, NOT_RUNNING -> Optional.of("Kafka Streams stopped (" + state + ")");
        };
    }

    /** The liveness answer {@code kafka-streams} for a Kafka Streams instance in {@code state}, with the state. */
    public static HealthCheckResponse response(KafkaStreams.State state) {
        // built directly, not through the SPI builder, so it needs no health implementation on the class path
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("state", state.name());
        Optional<String> problem = problem(state);
        problem.ifPresent(reason -> data.put("reason", reason));
        return new HealthCheckResponse(
                "kafka-streams",
                problem.isPresent() ? HealthCheckResponse.Status.DOWN : HealthCheckResponse.Status.UP,
                Optional.of(data));
    }
}
