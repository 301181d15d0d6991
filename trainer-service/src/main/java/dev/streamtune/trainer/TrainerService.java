package dev.streamtune.trainer;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.event.TrainingProgressEvent;
import dev.streamtune.common.kafka.TopicAccess;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.ArtifactStore;
import dev.streamtune.trainer.audit.AuditTrail;
import dev.streamtune.trainer.config.TrainerConfig;
import dev.streamtune.trainer.dataset.DatasetSnapshot;
import dev.streamtune.trainer.dataset.DatasetStats;
import dev.streamtune.trainer.dataset.TrainerSignals;
import dev.streamtune.trainer.gate.ValidationGate;
import dev.streamtune.trainer.kafka.KafkaMonitoringSink;
import dev.streamtune.trainer.kafka.KafkaRegistryWriter;
import dev.streamtune.trainer.kafka.PartitionCount;
import dev.streamtune.trainer.kafka.SignalRelay;
import dev.streamtune.trainer.kafka.StreamsDatasetAccess;
import dev.streamtune.trainer.publish.ChampionLoader;
import dev.streamtune.trainer.publish.PromotionRules;
import dev.streamtune.trainer.publish.PromotionService;
import dev.streamtune.trainer.publish.RegistryWriteException;
import dev.streamtune.trainer.publish.StoreRegistryView;
import dev.streamtune.trainer.publish.VersionAllocator;
import dev.streamtune.trainer.training.ModelTrainer;
import dev.streamtune.trainer.training.ProgressReporter;
import dev.streamtune.trainer.training.TrainingRun;
import dev.streamtune.trainer.training.TrainingSettings;
import dev.streamtune.trainer.trigger.FastLaneSignals;
import dev.streamtune.trainer.trigger.TrainerState;
import dev.streamtune.trainer.trigger.TrainerStateStore;
import dev.streamtune.trainer.trigger.TrainingScheduler;
import dev.streamtune.trainer.trigger.TriggerPolicy;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.common.annotation.Identifier;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the trainer together at start-up (after Kafka Streams is created) and takes it apart at shutdown, cancelling
 * a training in progress so that it runs again after the restart.
 */
@ApplicationScoped
public class TrainerService {

    private static final Logger LOG = LoggerFactory.getLogger(TrainerService.class);

    @Inject
    TrainerConfig config;

    @Inject
    KafkaStreams streams;

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
    MeterRegistry meters;

    /** Per model (see application.properties): the prefix of every group, internal topic and transactional id. */
    @ConfigProperty(name = "quarkus.kafka-streams.application-id")
    String applicationId;

    @Inject
    @Identifier("default-kafka-broker")
    Map<String, Object> kafkaConfig;

    private StreamsDatasetAccess dataset;
    private StoreRegistryView registry;
    private KafkaMonitoringSink monitoring;
    private KafkaRegistryWriter registryWriter;
    private TrainerStateStore stateStore;
    private PromotionService promotions;
    private AuditTrail audit;
    private ProgressReporter progress;
    private TrainingScheduler scheduler;

    void onStart(@Observes StartupEvent event) throws IOException, InterruptedException {
        String model = config.model();
        Files.createDirectories(config.workDir());
        TrainingRun.clearStaging(config.workDir());
        Map<String, Object> clients = clientConfig();

        String examples = config.topics().examples();
        dataset = new StreamsDatasetAccess(streams, examples, new PartitionCount(examples, clients));
        registry = new StoreRegistryView(dataset::registry);
        monitoring = new KafkaMonitoringSink(config.topics().monitoring(), clients);
        registryWriter = new KafkaRegistryWriter(
                config.topics().models(),
                registryTransactionalId(applicationId),
                clients,
                config.registry().writeTimeout(),
                registry::written);
        // a topic the trainer's Kafka user may not describe would look missing: Kafka Streams would wait for it
        // silently
        TrainerConfig.Topics topics = config.topics();
        TopicAccess.checkAndLogInBackground(
                LOG,
                "trainer",
                clients,
                List.of(
                        topics.examples(),
                        topics.commands(),
                        topics.monitoring(),
                        topics.models(),
                        topics.dlq(),
                        topics.state()));
        stateStore = new TrainerStateStore(config.topics().state(), clients);
        stateStore.ensureTopic();
        TrainerConfig.Promotion promotion = config.promotion();
        promotions = new PromotionService(
                registry,
                registryWriter,
                store,
                clock,
                new PromotionRules(
                        promotion.minVersion(),
                        Set.copyOf(promotion.revokedVersions().orElse(List.of()))));
        audit = new AuditTrail(model, config.instance(), monitoring, clock);
        progress = new ProgressReporter(model, config.instance(), monitoring, clock, Duration.ofSeconds(2));

        TrainerConfig.Gate gate = config.gate();
        var settings = new TrainingRun.Settings(
                model,
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
        var services = new TrainingRun.Services(
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
        TrainingRun run = new TrainingRun(settings, services, progress);

        TrainerConfig.Triggers triggers = config.triggers();
        Timer duration = Timer.builder("streamtune.trainer.run.duration")
                .description("Wall time of training runs")
                .register(meters);
        scheduler = new TrainingScheduler(
                model,
                new TriggerPolicy(triggers.minChanges(), triggers.maxInterval(), triggers.automatic()),
                FastLaneSignals.trigger(config, registry, dataset),
                triggers.driftCooldown(),
                triggers.pollInterval(),
                stateStore,
                run::run,
                promotions,
                () -> dataset.ready() ? dataset.stats().changeCount() : 0,
                this::ready,
                clock,
                outcome -> {
                    Counter.builder("streamtune.trainer.runs")
                            .description("Training runs by outcome")
                            .tag("outcome", outcome.status().name().toLowerCase())
                            .register(meters)
                            .increment();
                    duration.record(Duration.between(outcome.startedAt(), outcome.finishedAt()));
                });
        registerGauges();
        scheduler.start();
        signals.connect(countingDriftAlerts(scheduler));
        LOG.info(
                "Trainer for model {} started (store {}, work dir {})",
                model,
                config.store().type(),
                config.workDir());
    }

    void onStop(@Observes ShutdownEvent event) {
        if (scheduler != null) {
            scheduler.close();
        }
        for (AutoCloseable c : new AutoCloseable[] {registryWriter, monitoring, stateStore}) {
            try {
                if (c != null) {
                    c.close();
                }
            } catch (Exception e) {
                LOG.warn("Closing {} failed: {}", c, e.toString());
            }
        }
    }

    public boolean ready() {
        return notReadyReason().isEmpty();
    }

    /** Why runs cannot start now (dataset incomplete, or this trainer can publish no more); empty when they can. */
    public Optional<String> notReadyReason() {
        if (dataset == null) {
            return Optional.of("starting");
        }
        Optional<String> fatal = fatalFailure();
        return fatal.isPresent() ? fatal : dataset.notReadyReason();
    }

    /** Why this trainer cannot go on and must be restarted (another instance took over its model); empty normally. */
    public Optional<String> fatalFailure() {
        return registryWriter == null ? Optional.empty() : registryWriter.fatalFailure();
    }

    /** A snapshot of the dataset as the next run would see it. */
    public DatasetSnapshot snapshot() {
        return dataset.snapshot();
    }

    public DatasetStats datasetStats() {
        return dataset.stats();
    }

    public TrainingScheduler scheduler() {
        return scheduler;
    }

    public Optional<ModelRegistryEvent> champion() {
        return registry.live(config.model());
    }

    public List<ModelRegistryEvent> versions() {
        return registry.versions(config.model());
    }

    public Optional<TrainingProgressEvent> progress() {
        return Optional.ofNullable(progress.latest());
    }

    /** Asks for a training run on behalf of {@code actor} (audited). */
    public TrainerState.Trigger requestTraining(String reason, String actor) {
        TrainerState.Trigger pending =
                scheduler.request(new TrainerState.Trigger(TriggerPolicy.MANUAL, reason, actor, clock.instant()));
        audit.accepted(
                actor,
                AuditTrail.TRAIN,
                null,
                liveVersion(),
                reason,
                "training requested; pending: " + pending.reason() + " by " + pending.requestedBy());
        return pending;
    }

    /** Makes {@code version} live on behalf of {@code actor}; the attempt is audited, refused or not. */
    public ModelRegistryEvent promote(long version, String actor, String reason) throws IOException {
        Long before = liveVersion();
        try {
            ModelRegistryEvent live = promotions.promote(config.model(), version, actor, reason);
            audit.accepted(actor, AuditTrail.PROMOTE, version, before, reason, "v" + version + " is live");
            return live;
        } catch (RuntimeException | IOException e) {
            audited(actor, AuditTrail.PROMOTE, version, before, reason, e);
            throw e;
        }
    }

    /** Rolls back on behalf of {@code actor}; the attempt is audited, refused or not. */
    public ModelRegistryEvent rollback(String actor, String reason) throws IOException {
        Long before = liveVersion();
        try {
            ModelRegistryEvent live = promotions.rollback(config.model(), actor, reason);
            audit.accepted(
                    actor, AuditTrail.ROLLBACK, live.version(), before, reason, "v" + live.version() + " is live");
            return live;
        } catch (RuntimeException | IOException e) {
            audited(actor, AuditTrail.ROLLBACK, null, before, reason, e);
            throw e;
        }
    }

    /** A failed promotion or rollback: refused, or unconfirmed when its registry write's outcome is unknown. */
    private void audited(String actor, String action, Long version, Long before, String reason, Exception e) {
        if (e instanceof RegistryWriteException w && w.outcome() == RegistryWriteException.Outcome.UNKNOWN) {
            audit.unconfirmed(actor, action, version, before, reason, e.getMessage());
        } else {
            audit.refused(actor, action, version, before, reason, e.getMessage());
        }
    }

    private Long liveVersion() {
        return registry.live(config.model()).map(ModelRegistryEvent::version).orElse(null);
    }

    public String model() {
        return config.model();
    }

    /** Under the application id, so one prefix ACL covers the trainer's groups, transactional ids and topics. */
    public static String registryTransactionalId(String applicationId) {
        return applicationId + "-registry";
    }

    private Map<String, Object> clientConfig() {
        Map<String, Object> clients = new java.util.HashMap<>(kafkaConfig);
        // the client extension passes every kafka.* key; these belong to other client kinds
        clients.keySet().removeIf(k -> k.startsWith("devservices") || k.startsWith("health"));
        return clients;
    }

    /** The scheduler, with every drift alert for this model counted (the drift alert's metric). */
    private TrainerSignals countingDriftAlerts(TrainerSignals target) {
        Counter alerts = Counter.builder("streamtune.trainer.drift.alerts")
                .description("Drift alerts for this model read from the monitoring topic")
                .register(meters);
        return new TrainerSignals() {
            @Override
            public void onCommand(TrainerCommand command) {
                target.onCommand(command);
            }

            @Override
            public void onDriftAlert(AlertEvent alert) {
                alerts.increment();
                target.onDriftAlert(alert);
            }
        };
    }

    private void registerGauges() {
        for (String split : List.of("train", "validation", "test")) {
            Gauge.builder(
                            "streamtune.trainer.dataset.examples",
                            this,
                            s -> s.ready() ? s.datasetStats().total(split) : 0)
                    .description("Examples in the dataset store")
                    .tag("split", split)
                    .register(meters);
        }
        Gauge.builder(
                        "streamtune.trainer.dataset.labels",
                        this,
                        s -> s.ready() ? s.datasetStats().labels().size() : 0)
                .description("Labels with at least one example")
                .register(meters);
        Gauge.builder(
                        "streamtune.trainer.dataset.rejected",
                        this,
                        s -> s.ready() ? s.datasetStats().rejected() : 0)
                .description("Example records refused to the DLQ")
                .register(meters);
        Gauge.builder(
                        "streamtune.trainer.dataset.changes.unseen",
                        this,
                        s -> s.ready()
                                ? s.datasetStats().changeCount()
                                        - s.scheduler().state().changeCountAtLastRun()
                                : 0)
                .description("Examples added, changed or deleted since the last run's snapshot")
                .register(meters);
        Gauge.builder(
                        "streamtune.trainer.model.live.version",
                        this,
                        s -> s.ready()
                                ? s.champion().map(ModelRegistryEvent::version).orElse(0L)
                                : 0)
                .description("Version live on the models topic")
                .register(meters);
        Gauge.builder(
                        "streamtune.trainer.model.live.timestamp",
                        this,
                        s -> s.ready()
                                ? s.champion()
                                        .map(c -> c.manifest().createdAt().getEpochSecond())
                                        .orElse(0L)
                                : 0)
                .description("When the live version's artifact was made (Unix time); 0 before the first")
                .baseUnit("seconds")
                .register(meters);
        Gauge.builder(
                        "streamtune.trainer.training.active",
                        this,
                        s -> s.scheduler().active().isPresent() ? 1 : 0)
                .description("1 while a training run is in progress")
                .register(meters);
    }
}
