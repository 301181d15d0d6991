package dev.streamtune.inference.drift;

import dev.streamtune.common.model.DriftBaselines;
import dev.streamtune.common.model.Histogram;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

/**
 * A synthetic spam-filter population to run the drift monitor on: predicted labels with a rare third class,
 * long-tailed token lengths (the top bins hold ~1-2% each, often empty in a small validation split), confident but
 * not certain scores and a few unknown tokens. The baselines are built from a validation sample the way the
 * trainer's {@code BaselineCalculator} builds them; windows are drawn from the same population.
 */
final class DriftSimulation {

    static final List<String> LABELS = List.of("ham", "spam", "phishing");
    /** The trainer's token-length bins. */
    static final List<Double> TOKEN_EDGES =
            List.of(0.0, 16.0, 32.0, 48.0, 64.0, 96.0, 128.0, 192.0, 256.0, 384.0, 512.0);

    static final List<Double> CONFIDENCE_EDGES = confidenceEdges();

    private final RandomGenerator random;
    private final double[] labelShares;
    private final double medianTokens;

    DriftSimulation(RandomGenerator random, double[] labelShares, double medianTokens) {
        this.random = random;
        this.labelShares = labelShares;
        this.medianTokens = medianTokens;
    }

    static DriftSimulation validationLike(RandomGenerator random) {
        return new DriftSimulation(random, new double[] {0.68, 0.30, 0.02}, 60);
    }

    DriftSample sample(double lowConfidenceThreshold) {
        double u = random.nextDouble();
        int label = u < labelShares[0] ? 0 : u < labelShares[0] + labelShares[1] ? 1 : 2;
        // confidence: mostly high, a tail of uncertain ones
        double confidence = 1 - 0.6 * Math.pow(random.nextDouble(), 4);
        double rest = 1 - confidence;
        double entropy = -confidence * Math.log(confidence) - (rest > 0 ? rest * Math.log(rest / 2) : 0);
        int tokens = (int) Math.max(3, Math.round(medianTokens * Math.exp(0.9 * random.nextGaussian())));
        int kept = Math.min(tokens, 128);
        int unknown = (int) Math.round(kept * 0.02 * random.nextDouble()); // 1% on average
        return new DriftSample(
                LABELS.get(label), confidence, entropy, confidence < lowConfidenceThreshold, tokens, kept, unknown);
    }

    DriftWindow window(int size, double lowConfidenceThreshold) {
        DriftWindow w = new DriftWindow();
        for (int i = 0; i < size; i++) {
            w.add(sample(lowConfidenceThreshold));
        }
        return w;
    }

    /** Baselines of {@code validationSize} samples, as the trainer computes them from the model's predictions. */
    DriftBaselines baselines(int validationSize, double lowConfidenceThreshold) {
        DriftWindow v = window(validationSize, lowConfidenceThreshold);
        Map<String, Double> prior = new LinkedHashMap<>();
        for (String label : LABELS) {
            prior.put(label, v.labelCounts.getOrDefault(label, 0L) / (double) v.count);
        }
        double[] lengthCounts = new double[TOKEN_EDGES.size() - 1];
        Histogram bins = new Histogram(TOKEN_EDGES, zeros(lengthCounts.length));
        v.tokenLengths.forEach((length, n) -> lengthCounts[bins.binOf(length)] += n);
        List<Double> lengthFractions = new ArrayList<>();
        for (double c : lengthCounts) {
            lengthFractions.add(c / v.withTokens);
        }
        return new DriftBaselines(
                prior,
                new Histogram(CONFIDENCE_EDGES, zeros(CONFIDENCE_EDGES.size() - 1)),
                new Histogram(TOKEN_EDGES, lengthFractions),
                v.sumConfidence / v.count,
                v.sumEntropy / v.count,
                (double) v.sumTokens / v.withTokens,
                (double) v.sumUnknownTokens / v.sumKeptTokens,
                v.count);
    }

    private static List<Double> zeros(int n) {
        List<Double> zeros = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            zeros.add(0.0);
        }
        return zeros;
    }

    private static List<Double> confidenceEdges() {
        List<Double> edges = new ArrayList<>();
        for (int i = 0; i <= 20; i++) {
            edges.add(i / 20.0);
        }
        return edges;
    }
}
