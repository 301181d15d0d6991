package dev.streamtune.common.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The one way {@link ClassificationMetrics} are computed: during fine-tuning, by the gate, by the CLI's evaluation.
 *
 * <p>Macro-F1 is scikit-learn's {@code f1_score(y_true, y_pred, average="macro")} with its default label set: the mean
 * F1 over every label that occurs in the true labels <em>or</em> the predictions (a label predicted but never true
 * counts with F1 0; a label of the list that occurs in neither is left out). A model scored against a label list it
 * does not fully share (a champion that lacks a new label, or still predicts a removed one) is mapped by name: a label
 * it lacks is never predicted, and a predicted label outside the list is a miss for the example's true label, kept out
 * of the confusion matrix but counted in the macro average with F1 0, as scikit-learn would.
 */
public final class MetricsCalculator {

    /** Equal-width confidence bins of the expected calibration error. */
    public static final int CALIBRATION_BINS = 10;

    private static final double MIN_PROBABILITY = 1e-12;

    private MetricsCalculator() {}

    /**
     * @param labels the label list to report on (rows and columns of the confusion matrix)
     * @param truth true label of each example; each must be in {@code labels}
     * @param modelLabels label order of {@code probabilities}
     */
    public static ClassificationMetrics compute(
            List<String> labels, List<String> truth, List<String> modelLabels, List<double[]> probabilities) {
        if (truth.size() != probabilities.size()) {
            throw new IllegalArgumentException(
                    truth.size() + " true labels but " + probabilities.size() + " probability rows");
        }
        Map<String, Integer> index = indexOf(labels);
        Map<String, Integer> modelIndex = indexOf(modelLabels);
        int n = truth.size();
        int[] trueIndex = new int[n];
        int[] predictedIndex = new int[n];
        double[] trueProbability = new double[n];
        double[] confidence = new double[n];
        Set<String> foreign = new TreeSet<>();
        for (int i = 0; i < n; i++) {
            double[] p = probabilities.get(i);
            trueIndex[i] = labelIndex(index, truth.get(i), i, labels);
            int best = argmax(p);
            String predicted = modelLabels.get(best);
            predictedIndex[i] = index.getOrDefault(predicted, -1);
            if (predictedIndex[i] < 0) {
                foreign.add(predicted);
            }
            Integer m = modelIndex.get(truth.get(i));
            trueProbability[i] = m == null ? 0 : p[m];
            confidence[i] = p[best];
        }
        return score(labels, trueIndex, predictedIndex, trueProbability, confidence, foreign.size());
    }

    /** Scores a model whose probabilities are in {@code labels} order. */
    public static ClassificationMetrics compute(List<String> labels, List<String> truth, float[][] probabilities) {
        Map<String, Integer> index = indexOf(labels);
        int[] trueIndex = new int[truth.size()];
        for (int i = 0; i < trueIndex.length; i++) {
            trueIndex[i] = labelIndex(index, truth.get(i), i, labels);
        }
        return compute(labels, trueIndex, probabilities);
    }

    /**
     * Scores a model whose probabilities are in {@code labels} order.
     *
     * @param truth label index of each example
     */
    public static ClassificationMetrics compute(List<String> labels, int[] truth, float[][] probabilities) {
        if (truth.length != probabilities.length) {
            throw new IllegalArgumentException(
                    truth.length + " true labels but " + probabilities.length + " probability rows");
        }
        int n = truth.length;
        int[] predictedIndex = new int[n];
        double[] trueProbability = new double[n];
        double[] confidence = new double[n];
        for (int i = 0; i < n; i++) {
            float[] p = probabilities[i];
            predictedIndex[i] = argmax(p);
            trueProbability[i] = p[truth[i]];
            confidence[i] = p[predictedIndex[i]];
        }
        return score(labels, truth, predictedIndex, trueProbability, confidence, 0);
    }

    public static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    public static int argmax(double[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }

    /**
     * @param predicted predicted label index, -1 for a label outside {@code labels}
     * @param foreignLabels how many distinct predicted labels lie outside {@code labels}
     */
    private static ClassificationMetrics score(
            List<String> labels,
            int[] truth,
            int[] predicted,
            double[] trueProbability,
            double[] confidence,
            int foreignLabels) {
        int k = labels.size();
        int n = truth.length;
        long[][] confusion = new long[k][k];
        long[] support = new long[k];
        double lossSum = 0;
        double[] binConfidence = new double[CALIBRATION_BINS];
        double[] binCorrect = new double[CALIBRATION_BINS];
        long correct = 0;
        for (int i = 0; i < n; i++) {
            support[truth[i]]++;
            if (predicted[i] >= 0) {
                confusion[truth[i]][predicted[i]]++;
            }
            boolean hit = predicted[i] == truth[i];
            correct += hit ? 1 : 0;
            lossSum -= Math.log(Math.max(trueProbability[i], MIN_PROBABILITY));
            int bin = Math.min(CALIBRATION_BINS - 1, (int) (confidence[i] * CALIBRATION_BINS));
            binConfidence[bin] += confidence[i];
            binCorrect[bin] += hit ? 1 : 0;
        }
        double ece = 0;
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            ece += Math.abs(binCorrect[b] - binConfidence[b]) / Math.max(n, 1);
        }
        Map<String, ClassMetrics> perClass = new LinkedHashMap<>();
        double f1Sum = 0;
        int present = foreignLabels;
        for (int c = 0; c < k; c++) {
            long tp = confusion[c][c];
            long predictedAs = 0;
            for (int j = 0; j < k; j++) {
                predictedAs += confusion[j][c];
            }
            double precision = predictedAs == 0 ? 0 : (double) tp / predictedAs;
            double recall = support[c] == 0 ? 0 : (double) tp / support[c];
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.put(labels.get(c), new ClassMetrics(precision, recall, f1, support[c]));
            if (support[c] + predictedAs > 0) {
                f1Sum += f1;
                present++;
            }
        }
        List<List<Long>> rows = new ArrayList<>(k);
        for (long[] row : confusion) {
            List<Long> list = new ArrayList<>(k);
            for (long count : row) {
                list.add(count);
            }
            rows.add(list);
        }
        return new ClassificationMetrics(
                n,
                n == 0 ? 0 : (double) correct / n,
                present == 0 ? 0 : f1Sum / present,
                n == 0 ? 0 : lossSum / n,
                ece,
                labels,
                perClass,
                rows);
    }

    private static Map<String, Integer> indexOf(List<String> labels) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            index.putIfAbsent(labels.get(i), i);
        }
        return index;
    }

    private static int labelIndex(Map<String, Integer> index, String label, int example, List<String> labels) {
        Integer i = index.get(label);
        if (i == null) {
            throw new IllegalArgumentException(
                    "example " + example + " has label '" + label + "' which is not among " + labels);
        }
        return i;
    }
}
