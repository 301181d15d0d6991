package dev.streamtune.trainer.app;

import dev.streamtune.common.kafka.ShutdownDeadline;
import dev.streamtune.common.kafka.TopicAccess;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.store.ArtifactStore;
import dev.streamtune.trainer.TrainerService;
import dev.streamtune.trainer.config.TrainerConfig;
import dev.streamtune.trainer.gate.ValidationGate;
import dev.streamtune.trainer.kafka.KafkaMonitoringSink;
import dev.streamtune.trainer.kafka.KafkaRegistryWriter;
import dev.streamtune.trainer.kafka.SignalRelay;
import dev.streamtune.trainer.kafka.StreamsDatasetAccess;
import dev.streamtune.trainer.metrics.TrainerMetrics;
import dev.streamtune.trainer.publish.ChampionLoader;
import dev.streamtune.trainer.publish.PromotionRules;
import dev.streamtune.trainer.publish.PromotionService;
import dev.streamtune.trainer.publish.StoreRegistryView;
import dev.streamtune.trainer.publish.VersionAllocator;
import dev.streamtune.trainer.training.ModelTrainer;
import dev.streamtune.trainer.training.ProgressReporter;
import dev.streamtune.trainer.training.TrainingRun;
import dev.streamtune.trainer.training.TrainingSettings;
import dev.streamtune.trainer.trigger.FastLaneSignals;
import dev.streamtune.trainer.trigger.TrainerStateStore;
import dev.streamtune.trainer.trigger.TrainingScheduler;
import dev.streamtune.trainer.trigger.TriggerPolicy;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * Starts the trainer once the application is up (after Kafka Streams is created): the registry writer, the topic
 * checks, the state topic, the scheduler and the signals feeding it. Stops the scheduler first at shutdown, cancelling
 * a training in progress so that it runs again after the restart, then closes the producers, while Kafka Streams
 * closes alongside: all within {@code streamtune.trainer.shutdown-timeout} (45 s), inside the pod's 60 s grace period.
 */
@ApplicationScoped
public class TrainerLifecycle {

    private static final Logger LOG = Logger.getLogger(TrainerLifecycle.class);
    /** The longest shutdown waits for the Kafka clients' closes, after the scheduler's stop (at most 15 s). */
    static final Duration CLIENTS_CLOSE = Duration.ofSeconds(10);

    @Inject
    TrainerConfig config;

    @Inject
    TrainerClients clients;

    @Inject
    StreamsDatasetAccess dataset;

    @Inject
    StoreRegistryView registry;

    @Inject
    KafkaMonitoringSink monitoring;

    @Inject
    TrainerStateStore stateStore;

    @Inject
    ProgressReporter progress;

    @Inject
    ArtifactStore store;

    @Inject
    ManifestSigner signer;

    @Inject
    ModelTrainer trainer;

    @Inject
    SignalRelay signals;

    @Inject
    Clock clock;

    @Inject
    TrainerMetrics metrics;

    @Inject
    TrainerService service;

    @Inject
    KafkaStreams streams;

    /** Per model (see application.properties): the prefix of every group, internal topic and transactional id. */
    @ConfigProperty(name = "quarkus.kafka-streams.application-id")
    String applicationId;

    private volatile boolean starting;
    private volatile KafkaRegistryWriter registryWriter;
    private volatile PromotionService promotions;
    private volatile TrainingScheduler scheduler;
    private volatile RetryingStartup startup;
    /** The scheduler once built, started or not; {@link #scheduler} is set only once it has started. */
    private volatile TrainingScheduler createdScheduler;

    void onStart(@Observes StartupEvent event) throws IOException, InterruptedException {
        Files.createDirectories(config.workDir());
        TrainingRun.clearStaging(config.workDir());
        starting = true;
        registryWriter = new KafkaRegistryWriter(
                config.topics().models(),
                TrainerService.registryTransactionalId(applicationId),
                clients.config(),
                config.registry().writeTimeout(),
                registry::written);
        // a topic the trainer's Kafka user may not describe would look missing: Kafka Streams would wait for it
        // silently
        TrainerConfig.Topics topics = config.topics();
        TopicAccess.checkAndLogInBackground(
                TrainerService.class,
                "trainer",
                clients.config(),
                List.of(
                        topics.examples(),
                        topics.commands(),
                        topics.monitoring(),
                        topics.models(),
                        topics.dlq(),
                        topics.state()));
        TrainerConfig.Promotion promotion = config.promotion();
        promotions = new PromotionService(
                registry,
                registryWriter,
                store,
                clock,
                new PromotionRules(
                        promotion.minVersion(),
                        Set.copyOf(promotion.revokedVersions().orElse(List.of()))));
        TrainingRun run = new TrainingRun(runSettings(), runServices(), progress);
        TrainerConfig.Triggers triggers = config.triggers();
        TrainingScheduler created = new TrainingScheduler(
                config.model(),
                new TriggerPolicy(triggers.minChanges(), triggers.maxInterval(), triggers.automatic()),
                FastLaneSignals.trigger(config, registry, dataset),
                triggers.driftCooldown(),
                triggers.pollInterval(),
                stateStore,
                run::run,
                promotions,
                () -> dataset.ready() ? dataset.stats().changeCount() : 0,
                () -> notReadyReason().isEmpty(),
                clock,
                metrics::runEnded);
        createdScheduler = created;
        startup = new RetryingStartup(
                "starting the registry producer and reading the trainer state topic " + topics.state(),
                () -> startScheduler(created),
                Duration.ofSeconds(1),
                Duration.ofSeconds(30));
        startup.start();
    }

    /**
     * The part of start-up that needs the broker, asked again by {@link RetryingStartup} until it succeeds: the
     * registry producer (fencing a previous incarnation; it may also start at the first write), the state topic, then
     * the remembered state (a run the last incarnation left pending or interrupted), then the scheduler's
     * ticks and the signals that waited for it.
     */
    private void startScheduler(TrainingScheduler created) throws InterruptedException {
        registryWriter.startProducer();
        stateStore.ensureTopic();
        created.start();
        scheduler = created;
        metrics.registerGauges(service);
        signals.connect(metrics.countingDriftAlerts(created));
        LOG.infof(
                "Trainer for model %s started (store %s, work dir %s)",
                config.model(), config.store().type(), config.workDir());
    }

    /**
     * Runs before Quarkus' own shutdown observers, which wait for Kafka Streams' close without a bound. Kafka Streams
     * is asked to close first, without waiting, so that its threads' closes run alongside the trainer's own; then the
     * scheduler (the run cancelled, interrupted if it does not stop) and the clients. Against a broker that does not
     * answer, a stream thread can sit in a transaction commit for its producer's max.block.ms (60 s) and then in its
     * consumers' closes: past {@code streamtune.trainer.shutdown-timeout} the process exits at once, rather than be
     * killed without a word at the end of the pod's grace period. Nothing is lost by that exit: the open transactions
     * are aborted by the broker or fenced by the restarted trainer, and the run cut short runs again.
     */
    void onStop(@Observes @Priority(Interceptor.Priority.LIBRARY_BEFORE) ShutdownEvent event) {
        ShutdownDeadline deadline = ShutdownDeadline.begin(config.shutdownTimeout());
        streams.close(Duration.ZERO);
        if (startup != null) {
            startup.close();
        }
        // the scheduler even when start-up never finished (its start may have begun ticking as the stop came)
        if (createdScheduler != null) {
            createdScheduler.close();
        }
        // each close waits out its own timeout (5 s) against a broker that does not answer, and a transactional
        // producer's then waits for its sender (up to its request timeout, 30 s): in parallel, and at most 10 s
        deadline.closeAll(CLIENTS_CLOSE, registryWriter, monitoring, stateStore);
        deadline.closeOrExit(
                streams,
                "Kafka Streams",
                "its open transaction is aborted by the broker or fenced when the trainer restarts");
    }

    private TrainingRun.Settings runSettings() {
        TrainerConfig.Gate gate = config.gate();
        return new TrainingRun.Settings(
                config.model(),
                config.instance(),
                config.workDir(),
                TrainingSettings.from(config.training()),
                config.training().warmStart(),
                config.dataset().minExamplesPerLabel(),
                config.training().selfChecks(),
                config.training().exportTolerance(),
                new ValidationGate.Rules(
                        gate.tolerance(), gate.minMacroF1(), gate.maxRecallDrop(), gate.minClassRecall()),
                config.fastLane().featureCacheMaxBytes());
    }

    private TrainingRun.Services runServices() {
        return new TrainingRun.Services(
                dataset,
                registry,
                registryWriter,
                new VersionAllocator(registry, store),
                store,
                signer,
                new ChampionLoader(
                        store, new ArtifactVerifier(signer), config.workDir().resolve("champions")),
                trainer,
                monitoring,
                clock);
    }

    /** Why runs cannot start now (dataset incomplete, or this trainer can publish no more); empty when they can. */
    public Optional<String> notReadyReason() {
        if (!starting) {
            return Optional.of("starting");
        }
        if (scheduler == null) {
            return startup.waitingReason().or(() -> Optional.of("starting"));
        }
        Optional<String> fatal = fatalFailure();
        return fatal.isPresent() ? fatal : dataset.notReadyReason();
    }

    /** Why this trainer cannot go on and must be restarted (another instance took over its model); empty normally. */
    public Optional<String> fatalFailure() {
        KafkaRegistryWriter writer = registryWriter;
        return writer == null ? Optional.empty() : writer.fatalFailure();
    }

    /** The scheduler; null until started (the broker answered and the remembered state was read). */
    public TrainingScheduler scheduler() {
        return scheduler;
    }

    /** Promotions and rollbacks; null until started. */
    public PromotionService promotions() {
        return promotions;
    }
}
