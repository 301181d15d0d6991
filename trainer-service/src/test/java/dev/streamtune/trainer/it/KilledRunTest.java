package dev.streamtune.trainer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.store.ArtifactStore;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import dev.streamtune.trainer.TestExamples;
import dev.streamtune.trainer.training.RunOutcome;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run killed at the worst moments announces nothing, and the trainer that starts after it finds no partial model:
 * what a read_committed reader of the models topic (an inference service) sees is only ever complete, verified
 * artifacts. Real broker, real (tiny) fine-tuning, real file-system store; the kill is an {@link Error} thrown from
 * inside the upload, which no code of the run catches.
 */
@WithEmbeddedKafka
class KilledRunTest {

    private static final ManifestSigner SIGNER = ManifestSigner.hmac("test", "killed-run-test-secret-0123456789abcdef");

    @TempDir
    Path tmp;

    /** Stands in for the process dying. */
    static final class SimulatedKill extends Error {
        SimulatedKill(String where) {
            super("process killed " + where);
        }
    }

    enum KillPoint {
        DURING_UPLOAD,
        AFTER_UPLOAD,
        NEVER
    }

    /** A file-system store whose process dies during or right after an upload; {@code afterUpload} runs first. */
    record KillSwitchStore(FileSystemArtifactStore delegate, KillPoint point, Runnable afterUpload)
            implements ArtifactStore {

        KillSwitchStore(FileSystemArtifactStore delegate, KillPoint point) {
            this(delegate, point, () -> {});
        }

        @Override
        public URI publish(Path sealedDir, String model, long version) throws IOException {
            if (point == KillPoint.DURING_UPLOAD) {
                // what FileSystemArtifactStore leaves when killed mid-copy: a hidden, half-filled staging directory
                Path half =
                        Files.createDirectories(delegate.root().resolve(model).resolve(".staging-v" + version + "-x"));
                Files.copy(sealedDir.resolve(ModelArtifact.TOKENIZER_FILE), half.resolve(ModelArtifact.TOKENIZER_FILE));
                throw new SimulatedKill("half-way through uploading " + model + " v" + version);
            }
            URI uri = delegate.publish(sealedDir, model, version);
            afterUpload.run();
            if (point == KillPoint.NEVER) {
                return uri;
            }
            throw new SimulatedKill("after uploading " + model + " v" + version + ", before announcing it");
        }

        @Override
        public void fetch(URI uri, Path target) throws IOException {
            delegate.fetch(uri, target);
        }

        @Override
        public boolean exists(URI uri) {
            return delegate.exists(uri);
        }

        @Override
        public URI uriOf(String model, long version) {
            return delegate.uriOf(model, version);
        }
    }

    @Test
    void shouldNeverAnnounceAnArtifactWrittenHalfwayByAKilledRun(EmbeddedKafkaBroker kafka) throws Exception {
        String model = "killed-mid-upload";
        var store = new FileSystemArtifactStore(tmp.resolve("models"));
        var registry = new TopicRegistryView(StreamtuneTopics.MODELS_NAME, kafka.clientProperties());

        assertThatThrownBy(() -> run(kafka, model, new KillSwitchStore(store, KillPoint.DURING_UPLOAD), registry))
                .isInstanceOf(SimulatedKill.class);

        assertThat(registry.read().keySet()).noneMatch(k -> k.startsWith(model));
        assertThat(store.exists(store.uriOf(model, 1))).isFalse();

        // restart: a fresh run with the same store and topics
        RunOutcome outcome = run(kafka, model, store, registry);

        assertThat(outcome.status()).isEqualTo(RunOutcome.Status.PUBLISHED);
        assertThat(outcome.version()).isEqualTo(1);
        assertReaderSeesOnlyComplete(model, 1, store, registry);
        try (Stream<Path> versions = Files.list(tmp.resolve("models").resolve(model))) {
            assertThat(versions.map(p -> p.getFileName().toString())).contains("v1", ".staging-v1-x");
        }
    }

    @Test
    void shouldSkipTheVersionOfAnArtifactUploadedButNeverAnnounced(EmbeddedKafkaBroker kafka) throws Exception {
        String model = "killed-before-announce";
        var store = new FileSystemArtifactStore(tmp.resolve("models"));
        var registry = new TopicRegistryView(StreamtuneTopics.MODELS_NAME, kafka.clientProperties());

        assertThatThrownBy(() -> run(kafka, model, new KillSwitchStore(store, KillPoint.AFTER_UPLOAD), registry))
                .isInstanceOf(SimulatedKill.class);

        assertThat(registry.read().keySet()).noneMatch(k -> k.startsWith(model));
        assertThat(store.exists(store.uriOf(model, 1))).isTrue(); // complete, but nobody was told

        RunOutcome outcome = run(kafka, model, store, registry);

        assertThat(outcome.status()).isEqualTo(RunOutcome.Status.PUBLISHED);
        assertThat(outcome.version()).isEqualTo(2);
        assertReaderSeesOnlyComplete(model, 2, store, registry);
        assertThat(registry.read()).doesNotContainKey(ModelRegistryEvent.versionKey(model, 1));
    }

    @Test
    void shouldDiscardACandidateWhenAnExampleItTrainedOnIsDeletedDuringTheRun(EmbeddedKafkaBroker kafka)
            throws Exception {
        String model = "deleted-during-run";
        var store = new FileSystemArtifactStore(tmp.resolve("models"));
        var registry = new TopicRegistryView(StreamtuneTopics.MODELS_NAME, kafka.clientProperties());
        FixedDataset dataset = new FixedDataset(TestExamples.dataset("d", 60));
        // the deletion arrives while the artifact is being uploaded
        ArtifactStore deletingStore = new KillSwitchStore(store, KillPoint.NEVER, () -> dataset.delete("d-3"));

        RunOutcome outcome = run(kafka, model, deletingStore, registry, dataset);

        assertThat(outcome.status()).isEqualTo(RunOutcome.Status.SUPERSEDED);
        assertThat(outcome.reasons()).anyMatch(r -> r.contains("d-3"));
        assertThat(registry.read().keySet()).noneMatch(k -> k.startsWith(model));
    }

    private void assertReaderSeesOnlyComplete(
            String model, long version, ArtifactStore store, TopicRegistryView registry) throws Exception {
        ModelRegistryEvent live = registry.live(model).orElseThrow();
        assertThat(live.status()).isEqualTo(RegistryStatus.LIVE);
        assertThat(live.version()).isEqualTo(version);
        Path fetched = tmp.resolve("reader-" + model + "-" + version);
        store.fetch(URI.create(live.uri()), fetched);
        assertThat(new ArtifactVerifier(SIGNER)
                        .verify(fetched, live.manifestSha256())
                        .version())
                .isEqualTo(version);
    }

    private RunOutcome run(EmbeddedKafkaBroker kafka, String model, ArtifactStore store, TopicRegistryView registry)
            throws Exception {
        return run(kafka, model, store, registry, new FixedDataset(TestExamples.dataset("k", 60)));
    }

    private RunOutcome run(
            EmbeddedKafkaBroker kafka,
            String model,
            ArtifactStore store,
            TopicRegistryView registry,
            FixedDataset dataset)
            throws Exception {
        return new RunHarness(kafka, tmp.resolve("work"), SIGNER).run(model, store, registry, dataset, false);
    }
}
