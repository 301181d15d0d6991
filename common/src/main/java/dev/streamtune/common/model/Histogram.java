package dev.streamtune.common.model;

import java.util.List;

/**
 * A fixed-bin histogram as fractions. {@code edges} has one more entry than {@code fractions}; bin {@code i} holds
 * values in {@code [edges[i], edges[i+1])}, the last bin also its upper edge and everything above.
 */
public record Histogram(List<Double> edges, List<Double> fractions) {

    public Histogram {
        edges = List.copyOf(edges);
        fractions = List.copyOf(fractions);
        if (edges.size() != fractions.size() + 1) {
            throw new IllegalArgumentException("a histogram needs one more edge than bins: " + edges.size() + " edges, "
                    + fractions.size() + " bins");
        }
    }

    /** Index of the bin that holds {@code value}. */
    public int binOf(double value) {
        int last = fractions.size() - 1;
        for (int i = 0; i < last; i++) {
            if (value < edges.get(i + 1)) {
                return i;
            }
        }
        return last;
    }
}
