package dev.streamtune.common.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.Node;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * Readiness of the connection to the Kafka cluster and of the topics a service reads, answered within one bound.
 * Replaces two Quarkus checks that wait far longer when a broker accepts connections but does not answer (frozen,
 * overloaded, a network that drops packets): the "Kafka connection health check" waits its admin client's
 * {@code default.api.timeout.ms} (60 s), and the "Kafka Streams topics health check" its {@code topics-timeout} (10 s),
 * both past the readiness probe's 3 s; an operator's {@code curl /q/health/ready} hung as long.
 */
public final class BrokerReadiness implements HealthCheck, AutoCloseable {

    /** The check's name in {@code /q/health/ready}. */
    public static final String NAME = "kafka-broker";

    /** The services' bound: under the readiness probe's own timeout (3 s in deploy/kubernetes). */
    public static final Duration PROBE_BOUND = Duration.ofSeconds(2);

    private final Duration timeout;
    private final List<String> topics;
    private final Admin admin;

    /**
     * An admin client of its own on {@code clientConfig} (security settings included), every call bounded by
     * {@code timeout}.
     *
     * @param topics topics that must exist for the service to be ready (its Kafka Streams sources); may be empty
     */
    public BrokerReadiness(Map<String, Object> clientConfig, Duration timeout, Collection<String> topics) {
        this.timeout = timeout;
        this.topics = List.copyOf(topics);
        Map<String, Object> config = new HashMap<>(clientConfig);
        int millis = (int) timeout.toMillis();
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamtune-broker-readiness");
        this.admin = Admin.create(config);
    }

    /**
     * Up with the cluster's nodes when every topic exists; down with the missing topics, or with why the cluster could
     * not be asked within the bound. Both questions go out at once and share the bound.
     */
    public HealthCheckResponse response() {
        Map<String, Object> data = new LinkedHashMap<>();
        int millis = (int) timeout.toMillis();
        long deadline = System.nanoTime() + timeout.toNanos() + TimeUnit.MILLISECONDS.toNanos(500);
        try {
            KafkaFuture<Collection<Node>> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(millis))
                    .nodes();
            KafkaFuture<Set<String>> names = topics.isEmpty()
                    ? KafkaFuture.completedFuture(Set.of())
                    : admin.listTopics(new ListTopicsOptions().timeoutMs(millis))
                            .names();
            data.put(
                    "nodes",
                    nodes.get(left(deadline), TimeUnit.NANOSECONDS).stream()
                            .map(n -> n.host() + ":" + n.port())
                            .collect(Collectors.joining(",")));
            Set<String> existing = names.get(left(deadline), TimeUnit.NANOSECONDS);
            List<String> missing =
                    topics.stream().filter(t -> !existing.contains(t)).toList();
            if (missing.isEmpty()) {
                return new HealthCheckResponse(NAME, HealthCheckResponse.Status.UP, Optional.of(data));
            }
            data.put("missing_topics", String.join(",", missing));
        } catch (ExecutionException e) {
            data.put(
                    "reason",
                    e.getCause() instanceof org.apache.kafka.common.errors.TimeoutException
                            ? "the Kafka cluster did not answer within " + timeout
                            : "the Kafka cluster could not be asked within " + timeout + ": " + e.getCause());
        } catch (TimeoutException e) {
            data.put("reason", "the Kafka cluster did not answer within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            data.put("reason", "interrupted while asking the Kafka cluster");
        }
        return new HealthCheckResponse(NAME, HealthCheckResponse.Status.DOWN, Optional.of(data));
    }

    private static long left(long deadline) {
        return Math.max(0, deadline - System.nanoTime());
    }

    /** {@link #response()}, as the readiness check {@value #NAME}. */
    @Override
    public HealthCheckResponse call() {
        return response();
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(1));
    }
}
