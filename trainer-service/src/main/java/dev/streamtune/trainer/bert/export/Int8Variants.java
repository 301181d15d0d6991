package dev.streamtune.trainer.bert.export;

import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.onnx.BertOnnxExporter;
import dev.streamtune.common.onnx.Int8Parity;
import dev.streamtune.trainer.bert.evaluation.OnnxTextClassifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Describes the int8 graph of an exported artifact for its manifest: test metrics on the same split as the float
 * model's (what the inference service compares to choose it), agreement with the float model on that split, and its
 * own probabilities for the self-check texts. Artifacts without {@code model-int8.onnx} get no variant.
 */
public final class Int8Variants {

    private Int8Variants() {}

    /**
     * @param draft labels and maxLength of the artifact
     * @param floatProbabilities the float model's probabilities on {@code testTexts}, in its label order (the trained
     *     model's, which {@code model.onnx} reproduces within the export's parity bound: the float graph is not run
     *     over the split again)
     * @param score test-split metrics from probabilities in the model's label order, one row per test text
     */
    public static Map<String, ModelVariant> describe(
            Path artifact,
            ModelManifest draft,
            List<String> testTexts,
            List<double[]> floatProbabilities,
            Function<List<double[]>, ClassificationMetrics> score,
            List<String> selfCheckTexts) {
        Path file = artifact.resolve(ModelArtifact.INT8_MODEL_FILE);
        if (!Files.isRegularFile(file)) {
            return Map.of();
        }
        Path tokenizer = artifact.resolve(ModelArtifact.TOKENIZER_FILE);
        try (OnnxTextClassifier int8 = OnnxTextClassifier.open(file, tokenizer, draft)) {
            float[][] quantized = int8.predictProbabilities(testTexts);
            Int8Parity parity = Int8Parity.of(narrow(floatProbabilities), quantized);
            float[][] checks = int8.predictProbabilities(selfCheckTexts);
            List<SelfCheck> selfChecks = new ArrayList<>();
            for (int i = 0; i < checks.length; i++) {
                selfChecks.add(new SelfCheck(selfCheckTexts.get(i), boxed(checks[i])));
            }
            return Map.of(
                    ModelVariant.INT8,
                    new ModelVariant(
                            ModelArtifact.INT8_MODEL_FILE,
                            int8Description(int8),
                            testTexts.isEmpty() ? null : score.apply(widen(quantized)),
                            parity.maxAbsProbabilityDiff(),
                            parity.top1Agreement(),
                            selfChecks));
        }
    }

    private static String int8Description(OnnxTextClassifier int8) {
        return int8.metadata().getOrDefault(BertOnnxExporter.META_QUANTIZATION, "dynamic-int8");
    }

    private static List<double[]> widen(float[][] rows) {
        List<double[]> out = new ArrayList<>(rows.length);
        for (float[] row : rows) {
            double[] d = new double[row.length];
            for (int i = 0; i < row.length; i++) {
                d[i] = row[i];
            }
            out.add(d);
        }
        return out;
    }

    private static float[][] narrow(List<double[]> rows) {
        float[][] out = new float[rows.size()][];
        for (int r = 0; r < out.length; r++) {
            double[] row = rows.get(r);
            out[r] = new float[row.length];
            for (int i = 0; i < row.length; i++) {
                out[r][i] = (float) row[i];
            }
        }
        return out;
    }

    private static List<Double> boxed(float[] row) {
        List<Double> out = new ArrayList<>(row.length);
        for (float p : row) {
            out.add((double) p);
        }
        return out;
    }
}
