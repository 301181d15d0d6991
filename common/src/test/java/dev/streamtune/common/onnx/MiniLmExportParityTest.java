package dev.streamtune.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.common.tokenizer.TokenBatch;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * Parity of {@link BertOnnxExporter}'s graph with the original all-MiniLM-L6-v2 ONNX (torch.onnx, opset 11) on the
 * same padded batch, both run by ONNX Runtime.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MiniLmExportParityTest {

    private static final List<String> TEXTS = List.of(
            "Hi",
            "The quick brown fox jumps over the lazy dog.",
            "Streamtune keeps a BERT classifier continuously fine-tuned from labeled examples arriving on Kafka, and"
                    + " serves it with zero-downtime model swaps.",
            "WIN a FREE cruise!!! Click http://example.com now — limited offer 🤗");
    private static final List<String> LABELS = List.of("ham", "spam", "unsure");

    private OrtSession original;
    private TokenBatch batch;
    private float[] originalHidden;

    @BeforeAll
    void runOriginal() {
        original = OrtSupport.session(OrtSupport.miniLmBytes());
        try (TextTokenizer tokenizer = TextTokenizer.fromClasspath(TextTokenizer.ALL_MINILM_L6_V2_RESOURCE)) {
            batch = TokenBatch.pad(tokenizer.encodeBatch(TEXTS, 128), tokenizer.padTokenId());
        }
        originalHidden = OrtSupport.run(original, batch).get(BertOnnxExporter.LAST_HIDDEN_STATE);
    }

    @AfterAll
    void close() throws OrtException {
        original.close();
    }

    @Test
    void shouldReproduceOriginalHiddenStatesAndMeanPooledHead() throws OrtException {
        Map<String, float[]> exported = exportAndRun(Pooling.MEAN);

        double hiddenDiff = maxAbsDiff(originalHidden, exported.get(BertOnnxExporter.LAST_HIDDEN_STATE));
        System.out.printf(
                "MiniLM parity: last_hidden_state max |diff| = %.3g over %d values%n",
                hiddenDiff, originalHidden.length);
        assertThat(hiddenDiff).isLessThanOrEqualTo(1e-4);
        assertHeadMatches(Pooling.MEAN, exported);
    }

    @Test
    void shouldApplyTheHeadToTheClsVectorOfOriginalHiddenStates() throws OrtException {
        Map<String, float[]> exported = exportAndRun(Pooling.CLS);

        assertThat(maxAbsDiff(originalHidden, exported.get(BertOnnxExporter.LAST_HIDDEN_STATE)))
                .isLessThanOrEqualTo(1e-4);
        assertHeadMatches(Pooling.CLS, exported);
    }

    @Test
    void shouldReproduceOriginalHiddenStatesWithoutGraphOptimizations() throws OrtException {
        // ORT fuses both graphs into the same kernels by default; unfused, the arithmetic differs in rounding only.
        byte[] model = exporter(Pooling.MEAN).toBytes();
        float[] reference;
        float[] ours;
        try (OrtSession a = OrtSupport.session(OrtSupport.miniLmBytes(), OrtSession.SessionOptions.OptLevel.NO_OPT);
                OrtSession b = OrtSupport.session(model, OrtSession.SessionOptions.OptLevel.NO_OPT)) {
            reference = OrtSupport.run(a, batch).get(BertOnnxExporter.LAST_HIDDEN_STATE);
            ours = OrtSupport.run(b, batch).get(BertOnnxExporter.LAST_HIDDEN_STATE);
        }
        double diff = maxAbsDiff(reference, ours);
        System.out.printf("MiniLM parity, optimizations off: last_hidden_state max |diff| = %.3g%n", diff);
        assertThat(diff).isLessThanOrEqualTo(1e-4);
        assertThat(maxAbsDiff(reference, new float[reference.length])).isGreaterThan(0.1); // not a zero output
    }

    /** Pooling and {@code softmax(W·h + b)} done in plain Java on the ORIGINAL model's hidden states. */
    private void assertHeadMatches(Pooling pooling, Map<String, float[]> exported) {
        int s = batch.sequenceLength();
        int h = 384;
        ClassifierHead head = head();
        double probabilityDiff = 0;
        double pooledDiff = 0;
        for (int row = 0; row < batch.batchSize(); row++) {
            double[][] hidden = new double[s][h];
            for (int t = 0; t < s; t++) {
                for (int j = 0; j < h; j++) {
                    hidden[t][j] = originalHidden[(row * s + t) * h + j];
                }
            }
            long[] mask = java.util.Arrays.copyOfRange(batch.attentionMask(), row * s, row * s + s);
            double[] pooled = ReferenceBert.pool(pooling, hidden, mask, OrtSupport.miniLmWeights());
            float[] pooledFloat = new float[h];
            for (int j = 0; j < h; j++) {
                pooledFloat[j] = (float) pooled[j];
                pooledDiff =
                        Math.max(pooledDiff, Math.abs(pooled[j] - exported.get(BertOnnxExporter.POOLED)[row * h + j]));
            }
            float[] expected = head.probabilities(pooledFloat);
            for (int label = 0; label < expected.length; label++) {
                float actual = exported.get(ModelArtifact.PROBABILITIES)[row * expected.length + label];
                probabilityDiff = Math.max(probabilityDiff, Math.abs(expected[label] - actual));
            }
        }
        System.out.printf(
                "MiniLM parity (%s): pooled max |diff| = %.3g, probabilities max |diff| = %.3g%n",
                pooling.id(), pooledDiff, probabilityDiff);
        assertThat(pooledDiff).isLessThanOrEqualTo(1e-4);
        assertThat(probabilityDiff).isLessThanOrEqualTo(1e-5);
    }

    private Map<String, float[]> exportAndRun(Pooling pooling) throws OrtException {
        long start = System.nanoTime();
        byte[] model = exporter(pooling).toBytes();
        System.out.printf(
                "MiniLM export (%s): %.0f ms, %d bytes%n",
                pooling.id(), (System.nanoTime() - start) / 1e6, model.length);
        try (OrtSession session = OrtSupport.session(model)) {
            return OrtSupport.run(session, batch);
        }
    }

    private static BertOnnxExporter exporter(Pooling pooling) {
        return BertOnnxExporter.builder()
                .setWeights(OrtSupport.miniLmWeights())
                .setHead(head())
                .setPooling(pooling)
                .setLabels(LABELS)
                .optLastHiddenStateOutput(true)
                .optPooledOutput(true)
                .build();
    }

    private static ClassifierHead head() {
        return ClassifierHead.random(LABELS.size(), 384, 7);
    }

    static double maxAbsDiff(float[] a, float[] b) {
        assertThat(b).hasSameSizeAs(a);
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs((double) a[i] - b[i]));
        }
        return max;
    }
}
