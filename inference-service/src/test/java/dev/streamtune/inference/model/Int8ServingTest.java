package dev.streamtune.inference.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ArtifactWriter;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.inference.engine.BatchClassifier;
import dev.streamtune.inference.engine.BatchPlanner;
import dev.streamtune.inference.engine.ClassifyOutcome;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.support.TestManifests;
import dev.streamtune.inference.support.TestModels;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sealed artifacts holding a real int8 graph next to model.onnx, loaded the way a LIVE record makes the service. */
class Int8ServingTest {

    private static final String MODEL = "spam-filter";
    private static final List<String> TEXTS = List.of("Win a free cruise now", "see you at lunch", "x ".repeat(200));

    @TempDir
    Path tmp;

    private FileSystemArtifactStore store;
    private BatchClassifier classifier;

    @BeforeEach
    void setUp() {
        store = new FileSystemArtifactStore(tmp.resolve("store"));
        classifier = new BatchClassifier(new BatchPlanner(8, List.of(8, 16, 64), 1), InferenceMetrics.inMemory());
    }

    @Test
    void shouldServeTheInt8GraphWhenItsTestAccuracyIsWithinTheAllowedDrop() throws Exception {
        ModelRegistryEvent live = publish(1, 0.950, 0.948); // 0.2 points below fp32

        LoadedModel model = loader(ModelLoader.Settings.DEFAULT_INT8_MAX_ACCURACY_DROP_POINTS)
                .load(live);
        try {
            assertThat(model.graph()).isEqualTo(ModelVariant.INT8);
            assertServes(model, live, ModelArtifact.INT8_MODEL_FILE);
        } finally {
            model.release();
        }
    }

    @Test
    void shouldServeTheFloatGraphWhenInt8LosesMoreThanTheAllowedDrop() throws Exception {
        ModelRegistryEvent live = publish(2, 0.950, 0.940); // 1 point below fp32

        LoadedModel strict = loader(ModelLoader.Settings.DEFAULT_INT8_MAX_ACCURACY_DROP_POINTS)
                .load(live);
        try {
            assertThat(strict.graph()).isEqualTo(ModelVariant.FP32);
            assertServes(strict, live, ModelArtifact.MODEL_FILE);
        } finally {
            strict.release();
        }
        LoadedModel lenient = loader(1.5).load(live);
        try {
            assertThat(lenient.graph()).isEqualTo(ModelVariant.INT8);
        } finally {
            lenient.release();
        }
        LoadedModel off = loader(-1).load(live);
        try {
            assertThat(off.graph()).isEqualTo(ModelVariant.FP32);
        } finally {
            off.release();
        }
    }

    @Test
    void shouldServeOldArtifactsWithoutAnInt8GraphAsBefore() throws Exception {
        ModelRegistryEvent live = TestModels.publish(store, tmp, TestModels.Spec.valid(MODEL, 3));

        LoadedModel model = loader(ModelLoader.Settings.DEFAULT_INT8_MAX_ACCURACY_DROP_POINTS)
                .load(live);
        try {
            assertThat(model.manifest().variants()).isEmpty();
            assertThat(model.graph()).isEqualTo(ModelVariant.FP32);
            assertServes(model, live, ModelArtifact.MODEL_FILE);
        } finally {
            model.release();
        }
    }

    @Test
    void shouldRefuseAnArtifactWhoseInt8GraphWasAlteredAfterSealing() throws Exception {
        ModelRegistryEvent live = publish(4, 0.950, 0.950);
        Path int8 = Path.of(URI.create(live.uri())).resolve(ModelArtifact.INT8_MODEL_FILE);
        byte[] bytes = Files.readAllBytes(int8);
        bytes[bytes.length / 2] ^= 0x5A;
        Files.write(int8, bytes);

        assertThatThrownBy(() -> loader(ModelLoader.Settings.DEFAULT_INT8_MAX_ACCURACY_DROP_POINTS)
                        .load(live))
                .isInstanceOf(ModelLoadException.class)
                .hasMessageContaining(ModelArtifact.INT8_MODEL_FILE);
    }

    private ModelRegistryEvent publish(long version, double fp32Accuracy, double int8Accuracy) throws IOException {
        Path dir = tmp.resolve("artifact-v" + version);
        ArtifactWriter.Sealed sealed =
                TestModels.writeWithInt8(dir, TestModels.Spec.valid(MODEL, version), fp32Accuracy, int8Accuracy);
        URI uri = store.publish(dir, MODEL, version);
        return TestManifests.live(sealed.manifest(), uri.toString(), sealed.manifestSha256(), false);
    }

    private ModelLoader loader(double int8MaxAccuracyDropPoints) {
        return new ModelLoader(
                ArtifactStores.of(Map.of("file", store)),
                new ArtifactVerifier(TestModels.signer()),
                classifier,
                new ModelLoader.Settings(
                        tmp.resolve("cache"),
                        1e-4,
                        1,
                        new OnnxRuntimes.Settings(OnnxRuntimes.Runtime.RAW, 1, 1),
                        int8MaxAccuracyDropPoints));
    }

    /**
     * The served probabilities are those of {@code file} run alone by ONNX Runtime: exactly for the float graph, up
     * to the batch's effect on the activation scale for int8.
     */
    private void assertServes(LoadedModel model, ModelRegistryEvent live, String file) throws Exception {
        Path published = Path.of(URI.create(live.uri()));
        List<List<Double>> expected = TestModels.referenceProbabilities(published, file, TEXTS, TestModels.MAX_LENGTH);
        List<ClassifyOutcome> outcomes = classifier.classify(model, TEXTS);
        double tolerance = file.equals(ModelArtifact.MODEL_FILE) ? 1e-5 : 1e-3;
        for (int i = 0; i < TEXTS.size(); i++) {
            float[] actual =
                    ((ClassifyOutcome.Success) outcomes.get(i)).classification().probabilities();
            for (int j = 0; j < actual.length; j++) {
                assertThat((double) actual[j]).isCloseTo(expected.get(i).get(j), within(tolerance));
            }
        }
    }
}
