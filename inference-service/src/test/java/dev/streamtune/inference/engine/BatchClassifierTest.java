package dev.streamtune.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.LoadedModel;
import dev.streamtune.inference.model.OnnxRuntimes;
import dev.streamtune.inference.support.TestManifests;
import dev.streamtune.inference.support.TestModels;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real tiny model whose manifest promises more tokens (200) than its position embeddings hold (128): texts longer
 * than 128 tokens make ONNX Runtime fail, shorter ones work. The loader would refuse such a model at warm-up; here
 * it is served directly to check how failures are contained.
 */
class BatchClassifierTest {

    @TempDir
    Path tmp;

    private LoadedModel model;
    private final InferenceMetrics metrics = InferenceMetrics.inMemory();
    private final BatchClassifier classifier = new BatchClassifier(new BatchPlanner(8, List.of(256), 8), metrics);

    @BeforeEach
    void setUp() throws Exception {
        TestModels.write(tmp, TestModels.Spec.valid("m", 1));
        ModelManifest manifest = TestManifests.manifest("m", 1, TestManifests.LABELS, 200, List.of());
        model = new LoadedModel(
                manifest,
                TextTokenizer.fromFile(tmp.resolve(ModelArtifact.TOKENIZER_FILE)),
                OnnxRuntimes.open(tmp.resolve(ModelArtifact.MODEL_FILE), OnnxRuntimes.Settings.DEFAULTS),
                null,
                null);
    }

    @AfterEach
    void tearDown() {
        model.release();
    }

    @Test
    void shouldFailOnlyTheTextTheModelCannotRunAndClassifyTheRest() throws Exception {
        List<ClassifyOutcome> outcomes =
                classifier.classify(model, List.of("a short text", "word ".repeat(150), "another short one"));

        assertThat(outcomes.get(0)).isInstanceOf(ClassifyOutcome.Success.class);
        assertThat(outcomes.get(1)).isInstanceOfSatisfying(ClassifyOutcome.Failure.class, f -> assertThat(f.reason())
                .startsWith("inference failed"));
        assertThat(outcomes.get(2)).isInstanceOf(ClassifyOutcome.Success.class);
    }

    @Test
    void shouldFailTheWholeCallWhenNothingCanBeClassified() {
        assertThatThrownBy(() -> classifier.classify(model, List.of("word ".repeat(150), "text ".repeat(140))))
                .isInstanceOf(InferenceException.class)
                .hasMessageContaining("every text");
    }

    @Test
    void shouldCountPaddingOfEachCall() throws Exception {
        classifier.classify(model, List.of("one", "two words here and there and more words"));

        assertThat(metrics.onnxCalls()).isEqualTo(1);
        assertThat(metrics.tensorCells()).isGreaterThan(metrics.tokens());
        assertThat(metrics.overallPaddingRatio()).isBetween(0.0, 1.0);
    }
}
