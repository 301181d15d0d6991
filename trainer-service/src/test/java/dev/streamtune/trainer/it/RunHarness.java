package dev.streamtune.trainer.it;

import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.ArtifactStore;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.trainer.gate.ValidationGate;
import dev.streamtune.trainer.kafka.KafkaRegistryWriter;
import dev.streamtune.trainer.publish.ChampionLoader;
import dev.streamtune.trainer.publish.RegistryView;
import dev.streamtune.trainer.publish.VersionAllocator;
import dev.streamtune.trainer.training.BertModelTrainer;
import dev.streamtune.trainer.training.ProgressReporter;
import dev.streamtune.trainer.training.RunCancellation;
import dev.streamtune.trainer.training.RunOutcome;
import dev.streamtune.trainer.training.TrainingRun;
import dev.streamtune.trainer.training.TrainingSettings;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One {@link TrainingRun} with real parts: the embedded broker's models topic (transactional writer), the real
 * (tiny: 2 layers, 32 tokens) fine-tuner, a given store and dataset. Each call is a fresh trainer process: staging
 * cleared, no memory of earlier runs but the topic and the store.
 */
final class RunHarness {

    private static final BertModelTrainer TRAINER = new BertModelTrainer();

    private final Map<String, Object> clientProperties;
    private final Duration writeTimeout;
    private final Path work;
    private final ManifestSigner signer;
    final List<MonitoringEvent> events = new CopyOnWriteArrayList<>();
    /** The configured fine-tuning strategy (the fast lane overrides it with head-only). */
    String strategy = "auto";

    RunHarness(EmbeddedKafkaBroker kafka, Path work, ManifestSigner signer) {
        this(kafka.clientProperties(), Duration.ofSeconds(30), work, signer);
    }

    RunHarness(Map<String, Object> clientProperties, Duration writeTimeout, Path work, ManifestSigner signer) {
        this.clientProperties = clientProperties;
        this.writeTimeout = writeTimeout;
        this.work = work;
        this.signer = signer;
    }

    RunOutcome run(
            String model, ArtifactStore store, TopicRegistryView registry, FixedDataset dataset, boolean warmStart)
            throws Exception {
        return run(model, store, registry, registry, dataset, warmStart, "test");
    }

    /** A run as {@code trigger} starts it ({@code fast-lane}: the fast lane). */
    RunOutcome run(
            String model,
            ArtifactStore store,
            TopicRegistryView registry,
            FixedDataset dataset,
            boolean warmStart,
            String trigger)
            throws Exception {
        return run(model, store, registry, registry, dataset, warmStart, trigger);
    }

    /** @param runRegistry what the run reads the registry from; {@code registry} is awaited for its outcome */
    RunOutcome run(
            String model,
            ArtifactStore store,
            RegistryView runRegistry,
            TopicRegistryView registry,
            FixedDataset dataset,
            boolean warmStart)
            throws Exception {
        return run(model, store, runRegistry, registry, dataset, warmStart, "test");
    }

    private RunOutcome run(
            String model,
            ArtifactStore store,
            RegistryView runRegistry,
            TopicRegistryView registry,
            FixedDataset dataset,
            boolean warmStart,
            String trigger)
            throws Exception {
        TrainingRun.clearStaging(work); // what a starting trainer does
        try (var writer = new KafkaRegistryWriter(
                StreamtuneTopics.MODELS_NAME,
                "streamtune-trainer-" + model + "-registry",
                clientProperties,
                writeTimeout,
                e -> {})) {
            writer.startProducer();
            var settings = new TrainingRun.Settings(
                    model,
                    "test",
                    work,
                    new TrainingSettings(
                            strategy, 1, 8, 5e-5, 32, Truncation.HEAD, Optional.of(2), "cpu", 42, "minilm", 1),
                    warmStart,
                    2,
                    2,
                    1e-3,
                    new ValidationGate.Rules(0.05, 0.5, 0.3, 0.0));
            var services = new TrainingRun.Services(
                    dataset,
                    runRegistry,
                    writer,
                    new VersionAllocator(runRegistry, store),
                    store,
                    signer,
                    new ChampionLoader(store, new ArtifactVerifier(signer), work.resolve("champions")),
                    TRAINER,
                    events::add,
                    Clock.systemUTC());
            var progress = new ProgressReporter(model, "test", events::add, Clock.systemUTC(), Duration.ofSeconds(5));
            RunOutcome outcome = new TrainingRun(settings, services, progress)
                    .run("run-" + System.nanoTime(), trigger, new RunCancellation());
            if (outcome.status() == RunOutcome.Status.PUBLISHED || outcome.status() == RunOutcome.Status.REJECTED) {
                // commit markers reach the partition just after commitTransaction returns: wait until readers see it
                String key = ModelRegistryEvent.versionKey(model, outcome.version());
                await().atMost(Duration.ofSeconds(30))
                        .until(() -> registry.read().containsKey(key));
            }
            return outcome;
        }
    }
}
