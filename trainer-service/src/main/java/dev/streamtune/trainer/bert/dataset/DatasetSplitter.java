package dev.streamtune.trainer.bert.dataset;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Deterministic, stratified train/holdout splits. */
public final class DatasetSplitter {

    private DatasetSplitter() {}

    /** The two parts of a split. */
    public record Split(List<LabeledText> train, List<LabeledText> holdout) {}

    /**
     * Holds out about {@code fraction} of each label's examples (at least one when a label has two or more), chosen
     * by {@code seed}; both parts keep the input order.
     */
    public static Split stratified(List<LabeledText> examples, double fraction, long seed) {
        Map<String, List<Integer>> byLabel = new LinkedHashMap<>();
        for (int i = 0; i < examples.size(); i++) {
            byLabel.computeIfAbsent(examples.get(i).label(), k -> new ArrayList<>())
                    .add(i);
        }
        boolean[] held = new boolean[examples.size()];
        Random random = new Random(seed);
        for (List<Integer> indices : byLabel.values()) {
            Collections.shuffle(indices, random);
            int count = (int) Math.round(indices.size() * fraction);
            if (count == 0 && indices.size() >= 2) {
                count = 1;
            }
            for (int i = 0; i < count; i++) {
                held[indices.get(i)] = true;
            }
        }
        List<LabeledText> train = new ArrayList<>();
        List<LabeledText> holdout = new ArrayList<>();
        for (int i = 0; i < examples.size(); i++) {
            (held[i] ? holdout : train).add(examples.get(i));
        }
        return new Split(train, holdout);
    }
}
