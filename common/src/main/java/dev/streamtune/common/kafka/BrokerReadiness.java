package dev.streamtune.common.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.eclipse.microprofile.health.HealthCheckResponse;

/**
 * Readiness of the connection to the Kafka cluster, answered within a bound. Replaces Quarkus' "Kafka connection health
 * check", which waits for its admin client's {@code default.api.timeout.ms} (60 s) when a broker accepts connections but
 * does not answer (frozen, overloaded, a network that drops packets): every probe left a request waiting a minute, and
 * an operator's {@code curl /q/health/ready} hung as long.
 */
public final class BrokerReadiness implements AutoCloseable {

    /** The check's name in {@code /q/health/ready}. */
    public static final String NAME = "kafka-broker";

    private final Duration timeout;
    private final Admin admin;

    /** An admin client of its own on {@code clientConfig} (security settings included), every call bounded by {@code timeout}. */
    public BrokerReadiness(Map<String, Object> clientConfig, Duration timeout) {
        this.timeout = timeout;
        Map<String, Object> config = new HashMap<>(clientConfig);
        int millis = (int) timeout.toMillis();
        config.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, millis);
        config.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, millis);
        config.put(AdminClientConfig.CLIENT_ID_CONFIG, "streamtune-broker-readiness");
        this.admin = Admin.create(config);
    }

    /** Up with the cluster's nodes, or down with why they could not be had within the bound. */
    public HealthCheckResponse response() {
        Map<String, Object> data = new LinkedHashMap<>();
        try {
            Collection<Node> nodes = admin.describeCluster(
                            new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .nodes()
                    .get(timeout.toMillis() + 500, TimeUnit.MILLISECONDS);
            data.put("nodes", nodes.stream().map(n -> n.host() + ":" + n.port()).collect(Collectors.joining(",")));
            return new HealthCheckResponse(NAME, HealthCheckResponse.Status.UP, Optional.of(data));
        } catch (ExecutionException e) {
            data.put("reason", "the Kafka cluster could not be described within " + timeout + ": " + e.getCause());
        } catch (TimeoutException e) {
            data.put("reason", "the Kafka cluster did not answer within " + timeout);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            data.put("reason", "interrupted while asking the Kafka cluster");
        }
        return new HealthCheckResponse(NAME, HealthCheckResponse.Status.DOWN, Optional.of(data));
    }

    @Override
    public void close() {
        admin.close(Duration.ofSeconds(1));
    }
}
