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
     * @param probabilities the exported model's probabilities on the validation texts: the label baseline is the
     *     distribution of its predicted labels (top probability, first label on a tie, as serving picks it), since
     *     drift compares it with predicted labels, not true ones
     */
    public static DriftBaselines compute(List<String> labels, List<double[]> probabilities, TokenStatistics tokens) {
        long[] predicted = new long[labels.size()];
        double[] confidences = new double[probabilities.size()];
        double confidenceSum = 0;
        double entropySum = 0;
        for (int i = 0; i < probabilities.size(); i++) {
            double[] row = probabilities.get(i);
            int best = 0;
            double entropy = 0;
            for (int j = 0; j < row.length; j++) {
                if (row[j] > row[best]) {
                    best = j;
                }
                if (row[j] > 0) {
                    entropy -= row[j] * Math.log(row[j]);
                }
            }
            predicted[best]++;
            confidences[i] = row[best];
            confidenceSum += row[best];
            entropySum += entropy;
        }
        int n = probabilities.size();
        Map<String, Double> prior = new LinkedHashMap<>();
        for (int j = 0; j < labels.size(); j++) {
            prior.put(labels.get(j), n == 0 ? 0 : predicted[j] / (double) n);
        }
        double[] lengths = new double[tokens.lengths().length];
        double lengthSum = 0;
        for (int i = 0; i < lengths.length; i++) {
            lengths[i] = tokens.lengths()[i];
            lengthSum += lengths[i];
        }
        return new DriftBaselines(
                prior,
                histogram(CONFIDENCE_EDGES, confidences),
                histogram(TOKEN_LENGTH_EDGES, lengths),
                n == 0 ? 0 : confidenceSum / n,
                n == 0 ? 0 : entropySum / n,
                lengths.length == 0 ? 0 : lengthSum / lengths.length,
                tokens.unknownTokenRate(),
                n);
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
