package dev.streamtune.trainer.training;

import dev.streamtune.common.event.LabeledExample;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** How the fast lane trains its head. */
final class FastLaneHead {

    /** The largest weight a rare label gets: beyond it a few examples would dominate the loss. */
    static final double MAX_WEIGHT = 10;

    private FastLaneHead() {}

    /** Per-label loss weights that make every label count as much as an average one ({@code n / (k · n_label)}). */
    static Map<String, Double> balancedWeights(List<LabeledExample> train) {
        Map<String, Integer> counts = new HashMap<>();
        train.forEach(e -> counts.merge(e.label(), 1, Integer::sum));
        Map<String, Double> weights = new TreeMap<>();
        counts.forEach(
                (label, n) -> weights.put(label, Math.min(MAX_WEIGHT, train.size() / ((double) counts.size() * n))));
        return weights;
    }
}
