package dev.streamtune.common.model;

import java.util.List;

/**
 * Another graph of the same model inside the artifact, e.g. its dynamically quantized INT8 form: digested and signed
 * like every file (it is listed in {@link ModelManifest#files()}), with the figures a server needs to choose it.
 *
 * @param file the ONNX file in the artifact directory
 * @param quantization how it was derived from {@code model.onnx}, e.g. {@code dynamic-int8 per-channel symmetric}
 * @param testMetrics on the same test split as the manifest's {@code testMetrics}
 * @param maxAbsProbabilityDiff largest probability difference from {@code model.onnx} on the export's parity texts
 * @param top1Agreement fraction of parity texts on which both graphs pick the same label
 * @param selfChecks the manifest's self-check texts with this graph's own probabilities
 */
public record ModelVariant(
        String file,
        String quantization,
        ClassificationMetrics testMetrics,
        double maxAbsProbabilityDiff,
        double top1Agreement,
        List<SelfCheck> selfChecks) {

    /** The key of the dynamically quantized graph in {@link ModelManifest#variants()}. */
    public static final String INT8 = "int8";

    /** What a server reports when it serves {@code model.onnx}. */
    public static final String FP32 = "fp32";

    public ModelVariant {
        selfChecks = selfChecks == null ? List.of() : List.copyOf(selfChecks);
    }

    public ModelVariant withTestMetrics(ClassificationMetrics metrics) {
        return new ModelVariant(file, quantization, metrics, maxAbsProbabilityDiff, top1Agreement, selfChecks);
    }

    public ModelVariant withSelfChecks(List<SelfCheck> checks) {
        return new ModelVariant(file, quantization, testMetrics, maxAbsProbabilityDiff, top1Agreement, checks);
    }
}
