package dev.streamtune.common.model;

import java.util.Map;

/**
 * What the model's predictions looked like on its validation set, for drift monitoring to compare live windows with.
 *
 * @param labelPrior fraction of each label among the model's own predictions on the validation set, in label order:
 *     what live predictions are compared with (true labels would mix the model's error into the drift figure)
 * @param confidence histogram of the top probability
 * @param tokenLength histogram of token counts (before truncation)
 * @param sampleCount validation texts the baselines describe (drift smooths by it); 0 when unknown (older manifests)
 */
public record DriftBaselines(
        Map<String, Double> labelPrior,
        Histogram confidence,
        Histogram tokenLength,
        double meanConfidence,
        double meanEntropy,
        double meanTokenLength,
        double unknownTokenRate,
        long sampleCount) {

    public DriftBaselines {
        labelPrior = labelPrior == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(labelPrior));
    }
}
