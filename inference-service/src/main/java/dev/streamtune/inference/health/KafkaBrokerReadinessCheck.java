package dev.streamtune.inference.health;

import dev.streamtune.common.kafka.BrokerReadiness;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the connection to the Kafka cluster and of the Kafka Streams source topics, answered within
 * {@link #TIMEOUT} ({@link BrokerReadiness}): the probe's own timeout is 3 s in deploy/kubernetes. Replaces Quarkus'
 * Kafka and Kafka Streams topics checks, which are disabled in application.properties.
 */
@Readiness
@ApplicationScoped
public class KafkaBrokerReadinessCheck implements HealthCheck {

    static final Duration TIMEOUT = Duration.ofSeconds(2);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @ConfigProperty(name = "quarkus.kafka-streams.topics")
    List<String> topics;

    private BrokerReadiness readiness;

    @PostConstruct
    void open() {
        readiness = new BrokerReadiness(kafka, TIMEOUT, topics);
    }

    @Override
    public HealthCheckResponse call() {
        return readiness.response();
    }

    @PreDestroy
    void close() {
        readiness.close();
    }
}
