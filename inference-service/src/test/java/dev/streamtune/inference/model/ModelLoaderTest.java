package dev.streamtune.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.inference.engine.BatchClassifier;
import dev.streamtune.inference.engine.BatchPlanner;
import dev.streamtune.inference.engine.ClassifyOutcome;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.support.TestModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ModelLoaderTest {

    private static final String MODEL = "spam-filter";

    @TempDir
    Path tmp;

    private FileSystemArtifactStore store;
    private Path cache;
    private BatchClassifier classifier;

    @BeforeEach
    void setUp() {
        store = new FileSystemArtifactStore(tmp.resolve("store"));
        cache = tmp.resolve("cache");
        classifier = new BatchClassifier(new BatchPlanner(8, List.of(8, 16, 64), 1), InferenceMetrics.inMemory());
    }

    private ModelLoader loader(OnnxRuntimes.Runtime runtime) {
        return new ModelLoader(
                ArtifactStores.of(Map.of("file", store)),
                new ArtifactVerifier(TestModels.signer()),
                classifier,
                new ModelLoader.Settings(cache, 1e-4, 1, new OnnxRuntimes.Settings(runtime, 1, 1)));
    }

    @ParameterizedTest
    @EnumSource(OnnxRuntimes.Runtime.class)
    void shouldLoadAVerifiedModelWhoseBatchedOutputsMatchOnnxRuntimeTextByText(OnnxRuntimes.Runtime runtime)
            throws Exception {
        ModelRegistryEvent live = TestModels.publish(store, tmp, TestModels.Spec.valid(MODEL, 1));
        List<String> texts = List.of(
                "short",
                "a somewhat longer text that needs a few more tokens than the first",
                "Win a free cruise now",
                "x ".repeat(200));

        LoadedModel model = loader(runtime).load(live);
        try {
            assertThat(model.version()).isEqualTo(1);
            List<ClassifyOutcome> outcomes = classifier.classify(model, texts);
            Path published = Path.of(java.net.URI.create(live.uri()));
            for (int i = 0; i < texts.size(); i++) {
                float[] actual = ((ClassifyOutcome.Success) outcomes.get(i))
                        .classification()
                        .probabilities();
                List<Double> expected = TestModels.referenceProbabilities(published, texts.get(i));
                for (int j = 0; j < actual.length; j++) {
                    assertThat((double) actual[j]).isCloseTo(expected.get(j), within(1e-5));
                }
            }
            assertThat(((ClassifyOutcome.Success) outcomes.get(3))
                            .classification()
                            .tokens())
                    .isGreaterThan(TestModels.MAX_LENGTH);
            assertThat(((ClassifyOutcome.Success) outcomes.get(3))
                            .classification()
                            .keptTokens())
                    .isEqualTo(TestModels.MAX_LENGTH);
        } finally {
            model.release();
        }
        assertThat(model.isClosed()).isTrue();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(fetchedCopies())
                .as("the fetched copy is deleted with the model (on the closer thread)")
                .isEmpty());
    }

    @Test
    void shouldRejectACorruptedArtifact() {
        ModelRegistryEvent live = TestModels.publish(store, tmp, TestModels.Spec.valid(MODEL, 2));
        TestModels.corrupt(live);

        assertThatThrownBy(() -> loader(OnnxRuntimes.Runtime.RAW).load(live))
                .isInstanceOfSatisfying(ModelLoadException.class, e -> {
                    assertThat(e.stage()).isEqualTo(ModelLoadException.Stage.VERIFY);
                    assertThat(e.getMessage()).contains("model.onnx does not match its manifest digest");
                });
        assertThat(fetchedCopies()).isEmpty();
    }

    @Test
    void shouldRejectABadSignature() {
        ManifestSigner impostor = ManifestSigner.hmac(TestModels.KEY_ID, "another-secret-of-at-least-32-bytes-length!");
        ModelRegistryEvent live =
                TestModels.publish(store, tmp, TestModels.Spec.valid(MODEL, 3).withSigner(impostor));

        assertThatThrownBy(() -> loader(OnnxRuntimes.Runtime.RAW).load(live))
                .isInstanceOfSatisfying(ModelLoadException.class, e -> {
                    assertThat(e.stage()).isEqualTo(ModelLoadException.Stage.VERIFY);
                    assertThat(e.getMessage()).contains("bad signature");
                });
    }

    @ParameterizedTest
    @EnumSource(OnnxRuntimes.Runtime.class)
    void shouldRejectAModelWhoseOutputsDoNotMatchTheManifestLabels(OnnxRuntimes.Runtime runtime) {
        ModelRegistryEvent live =
                TestModels.publish(store, tmp, TestModels.Spec.valid(MODEL, 4).withHeadLabels(3));

        assertThatThrownBy(() -> loader(runtime).load(live)).isInstanceOfSatisfying(ModelLoadException.class, e -> {
            assertThat(e.stage()).isIn(ModelLoadException.Stage.LOAD, ModelLoadException.Stage.WARMUP);
            assertThat(e.getMessage()).contains("label-count mismatch");
        });
    }

    @Test
    void shouldRejectAModelThatDoesNotReproduceItsSelfChecks() {
        ModelRegistryEvent live =
                TestModels.publish(store, tmp, TestModels.Spec.valid(MODEL, 5).withWrongSelfCheck());

        assertThatThrownBy(() -> loader(OnnxRuntimes.Runtime.RAW).load(live))
                .isInstanceOfSatisfying(ModelLoadException.class, e -> {
                    assertThat(e.stage()).isEqualTo(ModelLoadException.Stage.SELF_CHECK);
                    assertThat(e.getMessage()).contains("self-check 0");
                });
    }

    @Test
    void shouldRejectARecordWhoseManifestDigestDiffers() {
        ModelRegistryEvent live = TestModels.publish(store, tmp, TestModels.Spec.valid(MODEL, 6));
        ModelRegistryEvent tampered = new ModelRegistryEvent(
                live.schemaVersion(),
                live.name(),
                live.version(),
                live.status(),
                live.uri(),
                "f".repeat(64),
                live.signature(),
                live.manifest(),
                false,
                List.of(),
                live.ts());

        assertThatThrownBy(() -> loader(OnnxRuntimes.Runtime.RAW).load(tampered))
                .isInstanceOfSatisfying(ModelLoadException.class, e -> assertThat(e.getMessage())
                        .contains("does not match the registry record"));
    }

    @Test
    void shouldCloseASwappedOutModelOnlyWhenItsLastBatchReleasesIt() throws Exception {
        ModelLoader loader = loader(OnnxRuntimes.Runtime.RAW);
        LoadedModel v1 = loader.load(TestModels.publish(store, tmp, TestModels.Spec.valid(MODEL, 7)));
        LoadedModel v2 = loader.load(TestModels.publish(store, tmp, TestModels.Spec.valid(MODEL, 8)));
        try (ModelHolder holder = new ModelHolder()) {
            assertThat(holder.swap(v1)).isNull();
            LoadedModel inFlight = holder.acquire();
            assertThat(inFlight).isSameAs(v1);

            assertThat(holder.swap(v2)).isEqualTo(7L);

            assertThat(v1.isClosed()).as("a batch still uses v1").isFalse();
            assertThat(classifier.classify(inFlight, List.of("still works"))).hasSize(1);
            inFlight.release();
            assertThat(v1.isClosed()).isTrue();
            LoadedModel next = holder.acquire();
            assertThat(next).isSameAs(v2);
            next.release();
        }
        assertThat(v2.isClosed()).isTrue();
    }

    private List<Path> fetchedCopies() {
        if (!Files.exists(cache.resolve(MODEL))) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(cache.resolve(MODEL))) {
            return files.toList();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
