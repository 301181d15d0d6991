package dev.streamtune.inference.engine;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One text classified.
 *
 * @param probabilities one per label, in the model's label order
 * @param tokens tokens the whole text produced (before truncation), special tokens included
 * @param keptTokens tokens the model read
 * @param unknownTokens unknown tokens among those the model read
 */
public record Classification(
        int labelIndex,
        String label,
        double confidence,
        float[] probabilities,
        int tokens,
        int keptTokens,
        int unknownTokens) {

    /** Probability of every label, in label order. */
    public Map<String, Double> scores(List<String> labels) {
        Map<String, Double> scores = new LinkedHashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            scores.put(labels.get(i), (double) probabilities[i]);
        }
        return scores;
    }
}
