package dev.streamtune.trainer.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.trainer.TestExamples;
import dev.streamtune.trainer.publish.RegistryView;
import dev.streamtune.trainer.support.BrokerProcess;
import dev.streamtune.trainer.training.RunOutcome;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose announcement cannot be settled (the broker, paused once the artifact is uploaded, stays away longer than
 * the registry writer keeps trying) is reported UNCONFIRMED, not FAILED: its records may yet be visible. Whatever
 * readers see once the broker is back is a complete, verified model or nothing.
 */
class UnconfirmedRunTest {

    private static final ManifestSigner SIGNER =
            ManifestSigner.hmac("test", "unconfirmed-run-test-secret-0123456789abcdef");

    @TempDir
    Path tmp;

    @Test
    void shouldReportARunUnconfirmedWhileTheBrokerStaysAwayDuringItsAnnouncement() throws Exception {
        ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
        try (var broker = BrokerProcess.start(tmp.resolve("kafka"), Map.of())) {
            var store = new FileSystemArtifactStore(tmp.resolve("models"));
            var pausing = new KilledRunTest.KillSwitchStore(store, KilledRunTest.KillPoint.NEVER, () -> {
                broker.pause();
                timer.schedule(broker::resume, 15, TimeUnit.SECONDS);
            });
            Map<String, Object> client = broker.clientProperties();
            // the run's registry producer starts within 1 s only once the transaction coordinator is up (its first
            // InitProducerId creates __transaction_state): on a loaded machine it did not, the run's first write had
            // to start it while the broker was paused, and nothing could be written (FAILED, truthfully)
            startTransactionCoordinator(broker.clientProperties(), "streamtune-trainer-unconfirmed-registry");
            client.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
            var readers = new TopicRegistryView(StreamtuneTopics.MODELS_NAME, broker.clientProperties());

            RunOutcome outcome = new RunHarness(client, Duration.ofSeconds(2), tmp.resolve("work"), SIGNER)
                    .run(
                            "unconfirmed",
                            pausing,
                            noModelYet(),
                            readers,
                            new FixedDataset(TestExamples.dataset("u", 60)),
                            false);

            assertThat(outcome.status()).isEqualTo(RunOutcome.Status.UNCONFIRMED);
            assertThat(outcome.version()).isEqualTo(1);
            assertThat(outcome.reasons()).anyMatch(r -> r.contains("may or may not be visible"));

            broker.resume();
            Optional<ModelRegistryEvent> live = readers.live("unconfirmed");
            System.out.println("[unconfirmed run] readers see "
                    + live.map(l -> "v" + l.version()).orElse("nothing"));
            if (live.isPresent()) {
                Path fetched = tmp.resolve("fetched");
                store.fetch(URI.create(live.get().uri()), fetched);
                assertThat(new ArtifactVerifier(SIGNER)
                                .verify(fetched, live.get().manifestSha256())
                                .version())
                        .isEqualTo(1);
            }
        } finally {
            timer.shutdownNow();
        }
    }

    /** The registry as the trainer's local store holds it (no broker needed): no model yet. */
    private static RegistryView noModelYet() {
        return new RegistryView() {
            @Override
            public Optional<ModelRegistryEvent> live(String model) {
                return Optional.empty();
            }

            @Override
            public List<ModelRegistryEvent> versions(String model) {
                return List.of();
            }
        };
    }

    /** Initialises {@code transactionalId} once, without a deadline, so that the coordinator has it loaded. */
    private static void startTransactionCoordinator(Map<String, Object> client, String transactionalId) {
        Map<String, Object> config = new java.util.HashMap<>(client);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 120_000);
        try (var producer = new org.apache.kafka.clients.producer.KafkaProducer<>(
                config,
                new org.apache.kafka.common.serialization.StringSerializer(),
                new org.apache.kafka.common.serialization.StringSerializer())) {
            producer.initTransactions();
        }
    }
}
