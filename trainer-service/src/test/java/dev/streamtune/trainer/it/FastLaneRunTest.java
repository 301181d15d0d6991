package dev.streamtune.trainer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.TrainingProgressEvent;
import dev.streamtune.common.event.ValidationEvent;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.MetricsCalculator;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.TrainingLineage;
import dev.streamtune.common.onnx.BertWeights;
import dev.streamtune.common.onnx.NamedTensor;
import dev.streamtune.common.onnx.OnnxBertImporter;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import dev.streamtune.trainer.TestExamples;
import dev.streamtune.trainer.bert.evaluation.OnnxTextClassifier;
import dev.streamtune.trainer.dataset.DatasetEntry;
import dev.streamtune.trainer.dataset.Split;
import dev.streamtune.trainer.training.Lane;
import dev.streamtune.trainer.training.RunOutcome;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fast lane end to end at run level (embedded broker, 2-layer MiniLM, 32 tokens): a champion v1 knows {ham, spam};
 * examples of a new label arrive; a fast-lane run publishes v2 that serves the new label with v1's encoder untouched,
 * and the next fast-lane run encodes only the examples it has not seen.
 */
@WithEmbeddedKafka
class FastLaneRunTest {

    private static final ManifestSigner SIGNER = ManifestSigner.hmac("test", "fast-lane-test-secret-0123456789abcdef");

    @TempDir
    Path tmp;

    @Test
    void shouldRefreshTheHeadOnTheChampionsFrozenEncoderAndServeANewLabel(EmbeddedKafkaBroker kafka) throws Exception {
        String model = "fast";
        var store = new FileSystemArtifactStore(tmp.resolve("models"));
        var registry = new TopicRegistryView(StreamtuneTopics.MODELS_NAME, kafka.clientProperties());
        var harness = new RunHarness(kafka, tmp.resolve("work"), SIGNER);
        List<LabeledExample> examples = new ArrayList<>(TestExamples.dataset("f", 60));
        assertThat(harness.run(model, store, registry, new FixedDataset(examples), true)
                        .status())
                .isEqualTo(RunOutcome.Status.PUBLISHED);

        for (int i = 0; i < 30; i++) {
            examples.add(LabeledExample.of(
                    "inv-" + i,
                    "Invoice " + i + " attached, payment due within thirty days, bank transfer",
                    "invoice"));
        }
        harness.strategy = "full"; // the slow lane's setting: the fast lane must not move the encoder anyway
        FixedDataset withInvoices = new FixedDataset(examples);
        RunOutcome second = harness.run(model, store, registry, withInvoices, true, Lane.FAST_LANE_TRIGGER);

        assertThat(second.status()).isEqualTo(RunOutcome.Status.PUBLISHED);
        assertThat(second.live()).isTrue();
        ModelRegistryEvent v1 = registry.read().get(ModelRegistryEvent.versionKey(model, 1));
        ModelRegistryEvent v2 = registry.read().get(ModelRegistryEvent.versionKey(model, second.version()));
        assertThat(v2.manifest().labels()).containsExactly("ham", "spam", "invoice");
        assertSameEncoder(dir(v1), dir(v2));
        assertThat(v2.manifest().lineage().lane()).isEqualTo(TrainingLineage.LANE_FAST);
        assertThat(v2.manifest().lineage().warmStartVersion()).isEqualTo(1L);
        assertThat(v1.manifest().lineage().lane()).isEqualTo(TrainingLineage.LANE_FULL);
        try (OnnxTextClassifier served = open(v2)) {
            float[] p = served.predictProbabilities(
                            List.of("Please find invoice 4711 attached; the payment is due within thirty days"))[0];
            assertThat(served.labels().get(argMax(p))).isEqualTo("invoice");
        }
        assertChampionScoredByItsHeadAsItsOnnxDoes(harness, v1, withInvoices);

        examples.add(LabeledExample.of("late-1", "The offsite agenda is in the shared folder now", "ham"));
        examples.add(
                LabeledExample.of("late-2", "Invoice for the March consulting hours, due in two weeks", "invoice"));
        RunOutcome third =
                harness.run(model, store, registry, new FixedDataset(examples), true, Lane.FAST_LANE_TRIGGER);

        assertThat(third.status()).isIn(RunOutcome.Status.PUBLISHED, RunOutcome.Status.REJECTED);
        var hyper = registry.read()
                .get(ModelRegistryEvent.versionKey(model, third.version()))
                .manifest()
                .hyperParameters();
        assertThat(((Number) hyper.get("featuresEncoded")).intValue())
                .as("only the two new texts are encoded; the rest come from the cache")
                .isEqualTo(2);
        assertThat(((Number) hyper.get("featuresFromCache")).intValue()).isGreaterThan(80);
    }

    /** The gate's champion scores, from v1's head on the cached features, match v1's exported ONNX model. */
    private static void assertChampionScoredByItsHeadAsItsOnnxDoes(
            RunHarness harness, ModelRegistryEvent v1, FixedDataset dataset) {
        assertThat(harness.events)
                .filteredOn(e -> e instanceof TrainingProgressEvent p
                        && p.message() != null
                        && p.message().contains("scored by its own head on the shared encoder"))
                .isNotEmpty();
        ValidationEvent validation = harness.events.stream()
                .filter(e -> e instanceof ValidationEvent v && v.candidateVersion() == 2)
                .map(ValidationEvent.class::cast)
                .findFirst()
                .orElseThrow();
        List<DatasetEntry> test = dataset.snapshot().split(Split.TEST);
        List<String> truth = test.stream().map(e -> e.example().label()).toList();
        try (OnnxTextClassifier onnx = open(v1)) {
            float[][] p = onnx.predictProbabilities(
                    test.stream().map(e -> e.example().text()).toList());
            List<double[]> rows = Arrays.stream(p).map(FastLaneRunTest::widen).toList();
            ClassificationMetrics expected =
                    MetricsCalculator.compute(validation.championTest().labels(), truth, onnx.labels(), rows);
            assertThat(validation.championTest().accuracy()).isEqualTo(expected.accuracy());
            assertThat(validation.championTest().loss()).isCloseTo(expected.loss(), within(1e-4));
        }
    }

    private static void assertSameEncoder(Path v1, Path v2) {
        BertWeights first = OnnxBertImporter.read(v1.resolve(ModelArtifact.MODEL_FILE));
        BertWeights second = OnnxBertImporter.read(v2.resolve(ModelArtifact.MODEL_FILE));
        assertThat(second.tensors().keySet()).isEqualTo(first.tensors().keySet());
        List<String> differing = new ArrayList<>();
        for (NamedTensor t : first.tensors().values()) {
            float[] other = second.tensors().get(t.name()).data();
            if (!Arrays.equals(t.data(), other)) {
                double worst = 0;
                for (int i = 0; i < Math.min(other.length, t.data().length); i++) {
                    worst = Math.max(worst, Math.abs(other[i] - t.data()[i]));
                }
                differing.add(t.name() + " (max |diff| " + worst + ")");
            }
        }
        assertThat(differing)
                .as("encoder tensors that differ between v1 and v2")
                .isEmpty();
    }

    private static OnnxTextClassifier open(ModelRegistryEvent record) {
        Path dir = dir(record);
        return OnnxTextClassifier.open(
                dir.resolve(ModelArtifact.MODEL_FILE), dir.resolve(ModelArtifact.TOKENIZER_FILE), record.manifest());
    }

    private static Path dir(ModelRegistryEvent record) {
        return Path.of(URI.create(record.uri()));
    }

    private static int argMax(float[] p) {
        int best = 0;
        for (int i = 1; i < p.length; i++) {
            if (p[i] > p[best]) {
                best = i;
            }
        }
        return best;
    }

    private static double[] widen(float[] p) {
        double[] d = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            d[i] = p[i];
        }
        return d;
    }
}
