package dev.streamtune.inference.model;

import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.onnx.Int8Parity;
import java.util.List;
import java.util.Locale;

/**
 * Which graph of an artifact to serve: its int8 graph when the trainer measured its accuracy on the test split within
 * {@code maxAccuracyDropPoints} of the float graph's, else {@code model.onnx}. Artifacts without an int8 graph (all
 * those written before it existed) serve {@code model.onnx}.
 *
 * @param id {@link ModelVariant#INT8} or {@link ModelVariant#FP32}
 * @param file the ONNX file in the artifact directory
 * @param selfChecks the probabilities this graph must reproduce before it serves
 * @param reason why this graph, for the log
 *     <p>An int8 graph's outputs depend slightly on the batch a text is in (activations are quantized with one scale
 *     per tensor, the batch's largest value), so its self-checks, computed in the trainer's batches, allow up to
 *     {@link Int8Parity#MAX_PROBABILITY_DIFF}: enough to catch a wrong or broken graph, not batch noise.
 */
public record ServedGraph(String id, String file, List<SelfCheck> selfChecks, String reason) {

    /**
     * @param maxAccuracyDropPoints largest accuracy loss, in percentage points, at which int8 is served; negative never
     *     serves int8
     */
    public static ServedGraph choose(ModelManifest manifest, double maxAccuracyDropPoints) {
        ModelVariant int8 = manifest.variants().get(ModelVariant.INT8);
        if (int8 == null) {
            return fp32(manifest, "the artifact has no int8 graph");
        }
        if (maxAccuracyDropPoints < 0) {
            return fp32(manifest, "int8 serving is switched off");
        }
        if (int8.file() == null
                || !manifest.files().containsKey(int8.file())
                || int8.file().contains("/")) {
            return fp32(manifest, "the int8 graph '" + int8.file() + "' is not among the artifact's sealed files");
        }
        ClassificationMetrics reference = manifest.testMetrics();
        ClassificationMetrics quantized = int8.testMetrics();
        if (reference == null || quantized == null || reference.examples() == 0 || quantized.examples() == 0) {
            return fp32(manifest, "no test-split accuracy to compare int8 with");
        }
        double drop = (reference.accuracy() - quantized.accuracy()) * 100;
        String figures = String.format(
                Locale.ROOT,
                "test accuracy int8 %.4f vs fp32 %.4f (%d examples): drop %.2f points, allowed %.2f",
                quantized.accuracy(),
                reference.accuracy(),
                reference.examples(),
                drop,
                maxAccuracyDropPoints);
        if (drop > maxAccuracyDropPoints + 1e-9) {
            return fp32(manifest, figures);
        }
        return new ServedGraph(ModelVariant.INT8, int8.file(), int8.selfChecks(), figures);
    }

    /** The self-check tolerance for this graph, {@code configured} being the float graph's. */
    public double selfCheckTolerance(double configured) {
        return ModelVariant.INT8.equals(id) ? Math.max(configured, Int8Parity.MAX_PROBABILITY_DIFF) : configured;
    }

    private static ServedGraph fp32(ModelManifest manifest, String reason) {
        return new ServedGraph(ModelVariant.FP32, ModelArtifact.MODEL_FILE, manifest.selfChecks(), reason);
    }
}
