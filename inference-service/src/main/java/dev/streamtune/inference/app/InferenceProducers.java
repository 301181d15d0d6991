package dev.streamtune.inference.app;

import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.kafka.BrokerReadiness;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.store.S3ArtifactStore;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.inference.config.InferenceConfig;
import dev.streamtune.inference.drift.DriftErrorHandlers;
import dev.streamtune.inference.drift.DriftSettings;
import dev.streamtune.inference.drift.DriftTopology;
import dev.streamtune.inference.engine.BatchClassifier;
import dev.streamtune.inference.engine.BatchPlanner;
import dev.streamtune.inference.engine.BatchingEngine;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.ArtifactStores;
import dev.streamtune.inference.model.ModelHolder;
import dev.streamtune.inference.model.ModelLoader;
import dev.streamtune.inference.registry.MonitoringPublisher;
import dev.streamtune.inference.rest.ClientRateLimiter;
import io.micrometer.core.instrument.MeterRegistry;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Disposes;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.Readiness;

/** Builds the plain serving classes from configuration; {@link InferenceLifecycle} starts and stops them. */
@ApplicationScoped
public class InferenceProducers {

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
    InferenceMetrics metrics(MeterRegistry registry) {
        return new InferenceMetrics(registry);
    }

    @Produces
    @Singleton
    ModelHolder holder() {
        return new ModelHolder();
    }

    void closeHolder(@Disposes ModelHolder holder) {
        holder.close();
    }

    @Produces
    @Singleton
    InputValidator validator(InferenceConfig config) {
        return new InputValidator(config.limits().toInputLimits());
    }

    @Produces
    @Singleton
    BatchPlanner planner(InferenceConfig config) {
        return new BatchPlanner(
                config.batch().maxSize(),
                config.batch().lengthBuckets(),
                config.batch().minBucketSize());
    }

    @Produces
    @Singleton
    BatchingEngine engine(ModelHolder holder, BatchPlanner planner, InferenceMetrics metrics, InferenceConfig config) {
        return new BatchingEngine(
                        holder,
                        new BatchClassifier(planner, metrics),
                        config.batch().maxWait(),
                        config.rest().maxQueuedTexts())
                .start();
    }

    void closeEngine(@Disposes BatchingEngine engine) {
        engine.close();
    }

    /** Registry URIs are followed only into the configured store root, bucket and prefix (the stores check). */
    @Produces
    @Singleton
    ArtifactStores stores(InferenceConfig config) {
        FileSystemArtifactStore files =
                new FileSystemArtifactStore(config.store().filesystem().root());
        InferenceConfig.Store.S3 s3 = config.store().s3();
        if (s3.accessKey().isPresent() != s3.secretKey().isPresent()) {
            throw new IllegalStateException("streamtune.store.s3.access-key and secret-key go together");
        }
        return new ArtifactStores(Map.of(
                "file", uri -> files,
                "s3",
                        uri -> S3ArtifactStore.create(
                                s3.endpoint().orElse(null),
                                s3.region(),
                                s3.accessKey().orElse(null),
                                s3.secretKey().orElse(null),
                                s3.pathStyle(),
                                s3.bucket()
                                        .orElseThrow(() -> new IllegalStateException("refusing artifact URI " + uri
                                                + ": no S3 bucket is configured (streamtune.store.s3.bucket)")),
                                s3.prefix())));
    }

    void closeStores(@Disposes ArtifactStores stores) {
        stores.close();
    }

    @Produces
    @Singleton
    ModelLoader loader(BatchPlanner planner, BatchingEngine engine, ArtifactStores stores, InferenceConfig config) {
        // warm-up and self-checks run through the same classifier, counted apart from served traffic, on the engine
        // thread between served batches: never two ONNX Runtime calls competing for the cores at once
        BatchClassifier classifier = new BatchClassifier(planner, InferenceMetrics.inMemory());
        return new ModelLoader(
                stores,
                new ArtifactVerifier(
                        SignerFactory.verifier(config.signing()), config.model().maxManifestBytes()),
                engine.betweenBatches(classifier),
                new ModelLoader.Settings(
                        config.model().cacheDir(),
                        config.model().selfCheckTolerance(),
                        config.model().warmupRuns(),
                        config.onnx().toSettings(),
                        config.model().int8MaxAccuracyDropPoints()));
    }

    @Produces
    @Singleton
    ClientRateLimiter rateLimiter(InferenceConfig config) {
        InferenceConfig.Rest.RateLimit rate = config.rest().rateLimit();
        return new ClientRateLimiter(rate.requests(), rate.period(), rate.maxClients());
    }

    @Produces
    @Singleton
    MonitoringPublisher monitoring(
            @Identifier("default-kafka-broker") Map<String, Object> kafka, InferenceConfig config) {
        Map<String, Object> producerConfig = new HashMap<>(kafka);
        producerConfig.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        producerConfig.put(ProducerConfig.CLIENT_ID_CONFIG, "streamtune-inference-monitoring-" + config.instance());
        return new MonitoringPublisher(
                new KafkaProducer<>(producerConfig, new StringSerializer(), JsonSerde.of(MonitoringEvent.class)),
                config.topics().monitoring(),
                config.instance());
    }

    void closeMonitoring(@Disposes MonitoringPublisher monitoring) {
        monitoring.close();
    }

    @Produces
    @Singleton
    Topology driftTopology(InferenceConfig config) {
        return DriftTopology.build(driftSettings(config));
    }

    @Produces
    @Singleton
    StreamsUncaughtExceptionHandler driftUncaughtHandler() {
        return new DriftErrorHandlers.Uncaught();
    }

    static DriftSettings driftSettings(InferenceConfig config) {
        InferenceConfig.Drift drift = config.drift();
        return new DriftSettings(
                config.topics().predictions(),
                config.topics().models(),
                config.topics().monitoring(),
                config.instance(),
                drift.window(),
                drift.grace(),
                drift.minCount(),
                config.stream().reviewThreshold(),
                drift.labelPsiThreshold(),
                drift.tokenLengthPsiThreshold(),
                drift.confidenceDrop(),
                drift.entropyRise(),
                drift.unknownTokenRateRise(),
                drift.lowConfidenceRate(),
                drift.consecutiveWindows());
    }
}
