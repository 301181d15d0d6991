package dev.streamtune.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.inference.engine.BatchClassifier;
import dev.streamtune.inference.engine.BatchPlanner;
import dev.streamtune.inference.engine.ClassifyOutcome;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.support.TestModels;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model trained on the beginning and end of long texts is served on the beginning and end of long texts: the
 * truncation comes from the manifest. Its artifact carries a self-check on a long text whose end differs from its
 * beginning, so a server that kept only the beginning (before: every server) refuses to load it rather than serving a
 * model on inputs it was not trained on.
 */
class TruncationServingTest {

    private static final String PREFIX = "meeting notes for the quarterly planning review ".repeat(12);

    @TempDir
    Path tmp;

    private FileSystemArtifactStore store;
    private BatchClassifier classifier;
    private ModelLoader loader;

    @BeforeEach
    void setUp() {
        store = new FileSystemArtifactStore(tmp.resolve("store"));
        classifier = new BatchClassifier(new BatchPlanner(8, List.of(8, 16, 64), 1), InferenceMetrics.inMemory());
        loader = new ModelLoader(
                ArtifactStores.of(Map.of("file", store)),
                new ArtifactVerifier(TestModels.signer()),
                classifier,
                new ModelLoader.Settings(
                        tmp.resolve("cache"), 1e-4, 1, new OnnxRuntimes.Settings(OnnxRuntimes.Runtime.RAW, 1, 1)));
    }

    @Test
    void shouldKeepTheTokensTheModelWasTrainedOn() throws Exception {
        ModelRegistryEvent headTail = TestModels.publish(
                store,
                tmp,
                TestModels.Spec.miniLm("head-tail", 1, TestModels.MAX_LENGTH).withTruncation(Truncation.HEAD_TAIL));
        ModelRegistryEvent head =
                TestModels.publish(store, tmp, TestModels.Spec.miniLm("head", 1, TestModels.MAX_LENGTH));
        List<String> sameBeginning = List.of(PREFIX + "the budget is approved", PREFIX + "win a free cruise now");

        LoadedModel servedHeadTail = loader.load(headTail); // its long self-check passes: served head + tail
        LoadedModel servedHead = loader.load(head);
        try {
            assertThat(servedHeadTail.truncation()).isEqualTo(Truncation.HEAD_TAIL);
            assertThat(servedHeadTail.manifest().selfChecks())
                    .extracting(c -> c.text())
                    .contains(TestModels.LONG_SELF_CHECK_TEXT);
            float[][] byHeadTail = probabilities(servedHeadTail, sameBeginning);
            float[][] byHead = probabilities(servedHead, sameBeginning);

            assertThat(byHeadTail[0]).as("the ends differ and are kept").isNotEqualTo(byHeadTail[1]);
            assertThat(byHead[0]).as("the ends differ and are cut off").isEqualTo(byHead[1]);
            Path published = Path.of(java.net.URI.create(headTail.uri()));
            List<List<Double>> reference = TestModels.referenceProbabilities(
                    published,
                    dev.streamtune.common.model.ModelArtifact.MODEL_FILE,
                    sameBeginning,
                    TestModels.MAX_LENGTH,
                    Truncation.HEAD_TAIL);
            for (int i = 0; i < sameBeginning.size(); i++) {
                for (int j = 0; j < byHeadTail[i].length; j++) {
                    assertThat((double) byHeadTail[i][j])
                            .isCloseTo(reference.get(i).get(j), org.assertj.core.api.Assertions.within(1e-5));
                }
            }
        } finally {
            servedHeadTail.release();
            servedHead.release();
        }
    }

    private float[][] probabilities(LoadedModel model, List<String> texts) throws Exception {
        List<ClassifyOutcome> outcomes = classifier.classify(model, texts);
        float[][] out = new float[texts.size()][];
        for (int i = 0; i < texts.size(); i++) {
            out[i] =
                    ((ClassifyOutcome.Success) outcomes.get(i)).classification().probabilities();
        }
        return out;
    }
}
