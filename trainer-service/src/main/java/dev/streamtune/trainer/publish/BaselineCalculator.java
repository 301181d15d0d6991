package dev.streamtune.trainer.publish;

import dev.streamtune.common.model.DriftBaselines;
import dev.streamtune.common.model.Histogram;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Drift baselines of a model on its validation set, in the form the manifest carries. */
public final class BaselineCalculator {

    /** Confidence bins of width 0.05. */
    static final List<Double> CONFIDENCE_EDGES = edges(0.0, 1.0, 20);

    /** Token-length bins, finer where most texts fall. */
    static final List<Double> TOKEN_LENGTH_EDGES =
            List.of(0.0, 16.0, 32.0, 48.0, 64.0, 96.0, 128.0, 192.0, 256.0, 384.0, 512.0);

    private BaselineCalculator() {}

    /**
     * @param labels label order of {@code probabilities}
     * @param trainLabelCounts examples per label in the training split (the prior)
     * @param probabilities the exported model's probabilities on the validation texts
     */
    public static DriftBaselines compute(
            List<String> labels,
            Map<String, Long> trainLabelCounts,
            List<double[]> probabilities,
            TokenStatistics tokens) {
        long trainTotal =
                trainLabelCounts.values().stream().mapToLong(Long::longValue).sum();
        Map<String, Double> prior = new LinkedHashMap<>();
        for (String label : labels) {
            prior.put(label, trainTotal == 0 ? 0 : trainLabelCounts.getOrDefault(label, 0L) / (double) trainTotal);
        }
        double[] confidences = new double[probabilities.size()];
        double confidenceSum = 0;
        double entropySum = 0;
        for (int i = 0; i < probabilities.size(); i++) {
            double max = 0;
            double entropy = 0;
            for (double p : probabilities.get(i)) {
                max = Math.max(max, p);
                if (p > 0) {
                    entropy -= p * Math.log(p);
                }
            }
            confidences[i] = max;
            confidenceSum += max;
            entropySum += entropy;
        }
        double[] lengths = new double[tokens.lengths().length];
        double lengthSum = 0;
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = tokens.lengths()[i];
            lengthSum += lengths[i];
        }
        int n = probabilities.size();
        return new DriftBaselines(
                prior,
                histogram(CONFIDENCE_EDGES, confidences),
                histogram(TOKEN_LENGTH_EDGES, lengths),
                n == 0 ? 0 : confidenceSum / n,
                n == 0 ? 0 : entropySum / n,
                lengths.length == 0 ? 0 : lengthSum / lengths.length,
                tokens.unknownTokenRate());
    }

    static Histogram histogram(List<Double> edges, double[] values) {
        List<Double> zeros = new ArrayList<>();
        for (int i = 0; i < edges.size() - 1; i++) {
            zeros.add(0.0);
        }
        Histogram empty = new Histogram(edges, zeros);
        double[] counts = new double[edges.size() - 1];
        for (double v : values) {
            counts[empty.binOf(v)]++;
        }
        List<Double> fractions = new ArrayList<>();
        for (double c : counts) {
            fractions.add(values.length == 0 ? 0 : c / values.length);
        }
        return new Histogram(edges, fractions);
    }

    private static List<Double> edges(double from, double to, int bins) {
        List<Double> edges = new ArrayList<>();
        for (int i = 0; i <= bins; i++) {
            edges.add(Math.round((from + (to - from) * i / bins) * 1e6) / 1e6);
        }
        return edges;
    }
}
