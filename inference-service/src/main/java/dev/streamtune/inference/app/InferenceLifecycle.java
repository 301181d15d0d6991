package dev.streamtune.inference.app;

import dev.streamtune.common.kafka.ShutdownDeadline;
import dev.streamtune.common.kafka.TopicAccess;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.inference.config.InferenceConfig;
import dev.streamtune.inference.engine.BatchingEngine;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.LoadedModel;
import dev.streamtune.inference.model.ModelHolder;
import dev.streamtune.inference.model.ModelLoader;
import dev.streamtune.inference.model.OnnxRuntimes;
import dev.streamtune.inference.registry.MonitoringPublisher;
import dev.streamtune.inference.registry.RegistryFollower;
import dev.streamtune.inference.stream.ClassifyLoop;
import dev.streamtune.inference.stream.KafkaClientFactory;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KafkaStreams;
import org.jboss.logging.Logger;

/** Starts the registry follower and the classify loop once the application is up; stops them first on shutdown. */
@ApplicationScoped
public class InferenceLifecycle {

    private static final Logger LOG = Logger.getLogger(InferenceLifecycle.class);
    /** The longest the stop waits for the classify loop and the registry follower (their own waits are 30 s). */
    static final Duration LOOP_CLOSE = Duration.ofSeconds(35);

    @Inject
    InferenceConfig config;

    @Inject
    ModelHolder holder;

    @Inject
    BatchingEngine engine;

    @Inject
    ModelLoader loader;

    @Inject
    MonitoringPublisher monitoring;

    @Inject
    InferenceMetrics metrics;

    @Inject
    InputValidator validator;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafka;

    @Inject
    KafkaStreams streams;

    private RegistryFollower follower;
    private ClassifyLoop loop;

    void onStart(@Observes StartupEvent event) {
        InstanceNames.requireUnique(config.instance(), System.getenv());
        // a topic this service's Kafka user may not describe would look missing: the drift monitor would wait silently
        InferenceConfig.Topics topics = config.topics();
        TopicAccess.checkAndLogInBackground(
                InferenceLifecycle.class,
                "inference",
                kafka,
                List.of(
                        topics.texts(),
                        topics.predictions(),
                        topics.review(),
                        topics.models(),
                        topics.monitoring(),
                        topics.dlq()));
        OnnxRuntimes.start();
        metrics.modelVersion(config.model().name(), holder::version);
        metrics.modelGraph(config.model().name(), () -> {
            LoadedModel serving = holder.peek();
            return serving == null ? null : serving.graph();
        });
        follower = new RegistryFollower(
                        registryConsumer(),
                        loader,
                        holder,
                        monitoring,
                        metrics,
                        new RegistryFollower.Settings(
                                config.topics().models(),
                                config.model().name(),
                                config.model().dir(),
                                config.stream().pollTimeout(),
                                config.model().fetchAttempts(),
                                config.model().fetchRetry(),
                                config.model().fetchRetryMax()))
                .start();
        if (config.stream().enabled()) {
            loop = new ClassifyLoop(
                            loopSettings(config),
                            loopClientConfig(kafka, config.stream().groupProtocol()),
                            KafkaClientFactory.standard(),
                            engine,
                            holder,
                            validator,
                            metrics)
                    .start();
        } else {
            LOG.info("stream classification disabled (streamtune.stream.enabled=false): REST only");
        }
    }

    /** The shared client settings with the classify consumer's group protocol. */
    static Map<String, Object> loopClientConfig(Map<String, Object> kafka, InferenceConfig.GroupProtocol protocol) {
        Map<String, Object> config = new HashMap<>(kafka);
        config.put(ConsumerConfig.GROUP_PROTOCOL_CONFIG, protocol.name().toLowerCase(Locale.ROOT));
        if (protocol == InferenceConfig.GroupProtocol.CONSUMER
                && config.remove(ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG) != null) {
            LOG.warnf(
                    "kafka.%s is ignored with streamtune.stream.group-protocol=consumer (the broker assigns partitions)",
                    ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG);
        }
        return config;
    }

    /**
     * Runs before Quarkus' own shutdown observers, which wait for Kafka Streams' close without a bound. The drift
     * monitor's Kafka Streams is asked to close first, without waiting, so that its threads' closes run alongside the
     * others: the classify loop (which commits what it has, at most 30 s) and the registry follower in parallel, then
     * the monitoring producer the follower publishes to (5 s). Against a broker that does not answer, a stream thread
     * can sit in its last commit and then in its consumers' closes: past {@code streamtune.shutdown-timeout} the
     * process exits at once ({@link ShutdownDeadline}), rather than be killed without a word at the end of the pod's
     * grace period.
     * Nothing is lost by that exit: the loop's uncommitted transaction is aborted by the broker or fenced at the
     * restart, and what was not committed is read again.
     */
    void onStop(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) ShutdownEvent event) {
        ShutdownDeadline deadline = ShutdownDeadline.begin(config.shutdownTimeout());
        streams.close(Duration.ZERO);
        // the loop commits what it has (its own wait is 30 s), the follower stops between polls and may still
        // publish a swap to the monitoring producer, which closes after them
        deadline.closeAll(LOOP_CLOSE, loop, follower);
        deadline.closeAll(MonitoringPublisher.CLOSE_TIMEOUT.plusSeconds(1), monitoring);
        deadline.closeOrExit(
                streams, "Kafka Streams (drift)", "what it did not commit is read again after the restart");
    }

    public Optional<ClassifyLoop> loop() {
        return Optional.ofNullable(loop);
    }

    public Optional<RegistryFollower> follower() {
        return Optional.ofNullable(follower);
    }

    private KafkaConsumer<String, byte[]> registryConsumer() {
        Map<String, Object> consumerConfig = new HashMap<>(kafka);
        consumerConfig.remove(ConsumerConfig.GROUP_ID_CONFIG); // assigned partitions, read from the start each time
        consumerConfig.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        consumerConfig.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        consumerConfig.put(ConsumerConfig.CLIENT_ID_CONFIG, "streamtune-inference-registry-" + config.instance());
        return new KafkaConsumer<>(consumerConfig, new StringDeserializer(), new ByteArrayDeserializer());
    }

    static ClassifyLoop.Settings loopSettings(InferenceConfig config) {
        InferenceConfig.Stream stream = config.stream();
        return new ClassifyLoop.Settings(
                new ClassifyLoop.Topics(
                        config.topics().texts(),
                        config.topics().predictions(),
                        config.topics().review(),
                        config.topics().dlq()),
                stream.groupId(),
                stream.transactionalIdPrefix() + config.instance(),
                stream.staticMembership() ? Optional.of(config.instance()) : Optional.empty(),
                stream.maxRecords(),
                config.batch().maxWait(),
                stream.pollTimeout(),
                stream.reviewThreshold(),
                stream.transactionTimeout(),
                stream.batchTimeout(),
                config.limits().maxDeadLetterBytes(),
                stream.leaveGroupOnClose(),
                stream.maxBatchLatency());
    }
}
