package dev.streamtune.inference.support;

import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.inference.engine.BatchClassifier;
import dev.streamtune.inference.engine.BatchPlanner;
import dev.streamtune.inference.engine.BatchingEngine;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.ArtifactStores;
import dev.streamtune.inference.model.ModelHolder;
import dev.streamtune.inference.model.ModelLoader;
import dev.streamtune.inference.model.OnnxRuntimes;
import dev.streamtune.inference.registry.MonitoringPublisher;
import dev.streamtune.inference.registry.RegistryFollower;
import dev.streamtune.inference.stream.ClassifyLoop;
import dev.streamtune.inference.stream.KafkaClientFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * The service's serving parts wired by hand (as the CDI producers do) against a broker, for tests and the benchmark:
 * holder, engine, loader, registry follower, monitoring publisher and classify loops, all on the default topic names.
 */
public final class ServiceHarness implements AutoCloseable {

    public static final String MODEL = "spam-filter";

    /**
     * @param maxBatch texts per ONNX Runtime call
     * @param maxRecords records per transaction
     * @param maxWait how long a batch waits to fill
     */
    public record Options(
            int maxBatch, int maxRecords, Duration maxWait, double reviewThreshold, OnnxRuntimes.Settings onnx) {

        public static Options small() {
            return new Options(
                    16, 16, Duration.ofMillis(5), 0.55, new OnnxRuntimes.Settings(OnnxRuntimes.Runtime.RAW, 1, 1));
        }
    }

    private final Map<String, Object> client;
    private final Options options;
    public final FileSystemArtifactStore store;
    public final Path workDir;
    public final InferenceMetrics metrics = InferenceMetrics.inMemory();
    public final ModelHolder holder = new ModelHolder();
    public final BatchClassifier classifier;
    public final BatchingEngine engine;
    public final ModelLoader loader;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    public ServiceHarness(Map<String, Object> client, Path tmp, Options options) {
        this.client = Map.copyOf(client);
        this.options = options;
        this.workDir = tmp.resolve("work");
        this.store = new FileSystemArtifactStore(tmp.resolve("store"));
        BatchPlanner planner = new BatchPlanner(options.maxBatch(), List.of(16, 32, 64, 128, 256, 512), 4);
        this.classifier = new BatchClassifier(planner, metrics);
        this.engine = new BatchingEngine(holder, classifier, options.maxWait()).start();
        this.loader = new ModelLoader(
                ArtifactStores.of(Map.of("file", store)),
                new ArtifactVerifier(TestModels.signer()),
                engine.betweenBatches(new BatchClassifier(planner, InferenceMetrics.inMemory())),
                new ModelLoader.Settings(tmp.resolve("cache"), 1e-4, 1, options.onnx()));
    }

    public ClassifyLoop.Settings loopSettings(String transactionalId) {
        return new ClassifyLoop.Settings(
                new ClassifyLoop.Topics(
                        StreamtuneTopics.TEXTS_NAME,
                        StreamtuneTopics.PREDICTIONS_NAME,
                        StreamtuneTopics.REVIEW_NAME,
                        StreamtuneTopics.DLQ_NAME),
                "streamtune-inference",
                transactionalId,
                Optional.empty(),
                options.maxRecords(),
                options.maxWait(),
                Duration.ofMillis(50),
                options.reviewThreshold(),
                Duration.ofSeconds(30),
                Duration.ofSeconds(60),
                DeadLetters.DEFAULT_MAX_BYTES,
                true);
    }

    /** Settings for a loop on its own topics, consumer group and transactional id (all named after the texts topic). */
    public ClassifyLoop.Settings loopSettings(ClassifyLoop.Topics topics, double reviewThreshold) {
        ClassifyLoop.Settings base = loopSettings("tx-" + topics.texts());
        return new ClassifyLoop.Settings(
                topics,
                "group-" + topics.texts(),
                base.transactionalId(),
                base.groupInstanceId(),
                base.maxRecords(),
                base.maxWait(),
                base.pollTimeout(),
                reviewThreshold,
                base.transactionTimeout(),
                base.batchTimeout(),
                base.deadLetterMaxBytes(),
                base.leaveGroupOnClose());
    }

    /** A classify loop (not started) whose clients come from {@code factory}. */
    public ClassifyLoop loop(KafkaClientFactory factory, String transactionalId) {
        return loop(factory, loopSettings(transactionalId));
    }

    /** A classify loop (not started) with its own settings (topics, group, transactional id). */
    public ClassifyLoop loop(KafkaClientFactory factory, ClassifyLoop.Settings settings) {
        return loop(factory, settings, Map.of());
    }

    /**
     * A classify loop (not started) with client settings added, e.g. {@code group.protocol=consumer} (the broker-side
     * protocol of KIP-848, whose session timeouts are the broker's) or a partition assignment strategy.
     */
    public ClassifyLoop loop(KafkaClientFactory factory, ClassifyLoop.Settings settings, Map<String, Object> extra) {
        Map<String, Object> config = new HashMap<>(client);
        if (!"consumer".equals(extra.get(ConsumerConfig.GROUP_PROTOCOL_CONFIG))) {
            config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, 6_000);
            config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, 500);
        }
        config.putAll(extra);
        ClassifyLoop loop =
                new ClassifyLoop(settings, config, factory, engine, holder, InputValidator.DEFAULT, metrics);
        closeables.add(loop);
        return loop;
    }

    public MonitoringPublisher monitoring(String instance) {
        MonitoringPublisher publisher = new MonitoringPublisher(
                new KafkaProducer<>(client, new StringSerializer(), JsonSerde.of(MonitoringEvent.class)),
                StreamtuneTopics.MONITORING_NAME,
                instance);
        closeables.add(publisher);
        return publisher;
    }

    /** A registry follower (not started) on the models topic. */
    public RegistryFollower follower(MonitoringPublisher monitoring, Optional<Path> fallbackDir) {
        return follower(monitoring, fallbackDir, UnaryOperator.identity());
    }

    /** A registry follower (not started) whose consumer is {@code wrap} applied to a real one. */
    public RegistryFollower follower(
            MonitoringPublisher monitoring, Optional<Path> fallbackDir, UnaryOperator<Consumer<String, byte[]>> wrap) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        RegistryFollower follower = new RegistryFollower(
                wrap.apply(new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())),
                loader,
                holder,
                monitoring,
                metrics,
                new RegistryFollower.Settings(StreamtuneTopics.MODELS_NAME, MODEL, fallbackDir, Duration.ofMillis(50)));
        closeables.add(follower);
        return follower;
    }

    @Override
    public void close() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) {
            closeables.get(i).close();
        }
        engine.close();
        holder.close();
    }
}
