package dev.streamtune.trainer.app;

import dev.streamtune.common.kafka.BrokerReadiness;
import dev.streamtune.trainer.audit.AuditTrail;
import dev.streamtune.trainer.config.TrainerConfig;
import dev.streamtune.trainer.kafka.KafkaClients;
import dev.streamtune.trainer.kafka.KafkaMonitoringSink;
import dev.streamtune.trainer.kafka.PartitionCount;
import dev.streamtune.trainer.kafka.StreamsDatasetAccess;
import dev.streamtune.trainer.metrics.TrainerMetrics;
import dev.streamtune.trainer.publish.StoreRegistryView;
import dev.streamtune.trainer.training.ProgressReporter;
import dev.streamtune.trainer.trigger.TrainerStateStore;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.Readiness;

/**
 * Builds the trainer's Kafka-backed parts that contact nothing when built; {@link TrainerLifecycle} builds those that
 * do (the registry writer fences its predecessor at once), starts the trainer and closes what it opened, in order.
 */
@ApplicationScoped
public class TrainerPartsProducers {

    /**
     * Readiness of the Kafka cluster and of the Kafka Streams source topics, answered within
     * {@link BrokerReadiness#PROBE_BOUND}; replaces Quarkus' Kafka and Kafka Streams topics checks (disabled in
     * application.properties), which waited up to 60 s on a broker that does not answer.
     */
    @Produces
    @Readiness
    @Singleton
    BrokerReadiness brokerReadiness(
            @Identifier("default-kafka-broker") Map<String, Object> kafka,
            @ConfigProperty(name = "quarkus.kafka-streams.topics") List<String> topics) {
        return new BrokerReadiness(kafka, BrokerReadiness.PROBE_BOUND, topics);
    }

    void closeBrokerReadiness(@Disposes @Readiness BrokerReadiness readiness) {
        readiness.close();
    }

    @Produces
    @Singleton
    TrainerClients clients(@Identifier("default-kafka-broker") Map<String, Object> kafkaConfig) {
        return new TrainerClients(KafkaClients.shared(kafkaConfig));
    }

    @Produces
    @Singleton
    TrainerMetrics metrics(MeterRegistry registry) {
        return new TrainerMetrics(registry);
    }

    @Produces
    @Singleton
    StreamsDatasetAccess dataset(KafkaStreams streams, TrainerConfig config, TrainerClients clients) {
        String examples = config.topics().examples();
        return new StreamsDatasetAccess(streams, examples, new PartitionCount(examples, clients.config()));
    }

    @Produces
    @Singleton
    StoreRegistryView registry(StreamsDatasetAccess dataset) {
        return new StoreRegistryView(dataset::registry);
    }

    @Produces
    @Singleton
    KafkaMonitoringSink monitoring(TrainerConfig config, TrainerClients clients) {
        return new KafkaMonitoringSink(config.topics().monitoring(), clients.config());
    }

    @Produces
    @Singleton
    TrainerStateStore stateStore(TrainerConfig config, TrainerClients clients) {
        return new TrainerStateStore(config.topics().state(), clients.config());
    }

    @Produces
    @Singleton
    AuditTrail audit(TrainerConfig config, KafkaMonitoringSink monitoring, Clock clock) {
        return new AuditTrail(config.model(), config.instance(), monitoring, clock);
    }

    @Produces
    @Singleton
    ProgressReporter progress(TrainerConfig config, KafkaMonitoringSink monitoring, Clock clock) {
        return new ProgressReporter(config.model(), config.instance(), monitoring, clock, Duration.ofSeconds(2));
    }
}
