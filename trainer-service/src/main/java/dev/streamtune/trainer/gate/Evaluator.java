package dev.streamtune.trainer.gate;

import dev.streamtune.common.model.ClassMetrics;
import dev.streamtune.common.model.ClassificationMetrics;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Scores predictions against true labels over a fixed label list. The model's own labels may differ (a champion that
 * never saw a new label): its probabilities are mapped by name, and a label it lacks simply never gets predicted.
 */
public final class Evaluator {

    private static final int CALIBRATION_BINS = 10;
    private static final double MIN_PROBABILITY = 1e-12;

    private Evaluator() {}

    /**
     * @param labels the label list to report on (rows/columns of the confusion matrix)
     * @param truth true label of each example
     * @param modelLabels label order of {@code probabilities}
     */
    public static ClassificationMetrics evaluate(
            List<String> labels, List<String> truth, List<String> modelLabels, List<double[]> probabilities) {
        if (truth.size() != probabilities.size()) {
            throw new IllegalArgumentException(
                    truth.size() + " true labels but " + probabilities.size() + " predictions");
        }
        int n = labels.size();
        long[][] confusion = new long[n][n];
        double lossSum = 0;
        double[] binConfidence = new double[CALIBRATION_BINS];
        double[] binCorrect = new double[CALIBRATION_BINS];
        long[] binCount = new long[CALIBRATION_BINS];
        long correct = 0;
        for (int i = 0; i < truth.size(); i++) {
            double[] p = probabilities.get(i);
            int best = 0;
            for (int k = 1; k < p.length; k++) {
                if (p[k] > p[best]) {
                    best = k;
                }
            }
            String predicted = modelLabels.get(best);
            int t = labels.indexOf(truth.get(i));
            int q = labels.indexOf(predicted);
            if (t < 0) {
                throw new IllegalArgumentException("true label '" + truth.get(i) + "' is not among " + labels);
            }
            if (q >= 0) {
                confusion[t][q]++;
            }
            boolean hit = t == q;
            correct += hit ? 1 : 0;
            int m = modelLabels.indexOf(truth.get(i));
            lossSum += -Math.log(Math.max(MIN_PROBABILITY, m < 0 ? 0 : p[m]));
            int bin = Math.min(CALIBRATION_BINS - 1, (int) (p[best] * CALIBRATION_BINS));
            binConfidence[bin] += p[best];
            binCorrect[bin] += hit ? 1 : 0;
            binCount[bin]++;
        }
        long total = truth.size();
        Map<String, ClassMetrics> perClass = new LinkedHashMap<>();
        double f1Sum = 0;
        int f1Classes = 0;
        for (int c = 0; c < n; c++) {
            long tp = confusion[c][c];
            long predictedAs = 0;
            for (int k = 0; k < n; k++) {
                predictedAs += confusion[k][c];
            }
            // counted from the truth: a prediction outside `labels` is still a miss for its true class
            long support = countOf(truth, labels.get(c));
            double precision = predictedAs == 0 ? 0 : tp / (double) predictedAs;
            double recall = support == 0 ? 0 : tp / (double) support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.put(labels.get(c), new ClassMetrics(precision, recall, f1, support));
            if (support > 0) {
                f1Sum += f1;
                f1Classes++;
            }
        }
        double ece = 0;
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            if (binCount[b] > 0) {
                ece += Math.abs(binConfidence[b] / binCount[b] - binCorrect[b] / binCount[b]) * binCount[b] / total;
            }
        }
        List<List<Long>> matrix = new ArrayList<>();
        for (long[] row : confusion) {
            List<Long> r = new ArrayList<>();
            for (long v : row) {
                r.add(v);
            }
            matrix.add(r);
        }
        return new ClassificationMetrics(
                total,
                total == 0 ? 0 : correct / (double) total,
                f1Classes == 0 ? 0 : f1Sum / f1Classes,
                total == 0 ? 0 : lossSum / total,
                ece,
                labels,
                perClass,
                matrix);
    }

    private static long countOf(List<String> truth, String label) {
        return truth.stream().filter(label::equals).count();
    }
}
