package dev.streamtune.common.model;

import java.util.Map;

/**
 * What the model's predictions looked like on its validation set, for drift monitoring to compare live windows with.
 *
 * @param labelPrior fraction of each label in the training data, in label order
 * @param confidence histogram of the top probability
 * @param tokenLength histogram of token counts (before truncation)
 */
public record DriftBaselines(
        Map<String, Double> labelPrior,
        Histogram confidence,
        Histogram tokenLength,
        double meanConfidence,
        double meanEntropy,
        double meanTokenLength,
        double unknownTokenRate) {

    public DriftBaselines {
        labelPrior = labelPrior == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(labelPrior));
    }
}
