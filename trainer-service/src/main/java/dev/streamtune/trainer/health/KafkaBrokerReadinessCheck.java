package dev.streamtune.trainer.health;

import dev.streamtune.common.kafka.BrokerReadiness;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/**
 * Readiness of the connection to the Kafka cluster, answered within {@link #TIMEOUT} ({@link BrokerReadiness}): the
 * probe's own timeout is 3 s in deploy/kubernetes. Replaces Quarkus' check, which is disabled in application.properties.
 */
@Readiness
@ApplicationScoped
public class KafkaBrokerReadinessCheck implements HealthCheck {

    static final Duration TIMEOUT = Duration.ofSeconds(2);

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    private BrokerReadiness readiness;

    @PostConstruct
    void open() {
        readiness = new BrokerReadiness(kafka, TIMEOUT);
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
