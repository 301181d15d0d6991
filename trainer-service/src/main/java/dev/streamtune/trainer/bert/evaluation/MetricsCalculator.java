package dev.streamtune.trainer.bert.evaluation;

import dev.streamtune.common.model.ClassMetrics;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Computes {@link ClassificationMetrics} from predicted probabilities and true labels. */
public final class MetricsCalculator {

    /** Equal-width confidence bins of the expected calibration error. */
    public static final int CALIBRATION_BINS = 10;

    private static final double MIN_PROBABILITY = 1e-12;

    private MetricsCalculator() {}

    public static ClassificationMetrics compute(
            List<String> labels, List<LabeledText> examples, float[][] probabilities) {
        Map<String, Integer> index = new HashMap<>();
        for (int i = 0; i < labels.size(); i++) {
            index.put(labels.get(i), i);
        }
        int[] truth = new int[examples.size()];
        for (int i = 0; i < truth.length; i++) {
            Integer label = index.get(examples.get(i).label());
            if (label == null) {
                throw new IllegalArgumentException("example " + i + " has label '"
                        + examples.get(i).label() + "' which the model does not know (labels: " + labels + ")");
            }
            truth[i] = label;
        }
        return compute(labels, truth, probabilities);
    }

    /** @param truth label index of each example */
    public static ClassificationMetrics compute(List<String> labels, int[] truth, float[][] probabilities) {
        if (truth.length != probabilities.length) {
            throw new IllegalArgumentException(
                    truth.length + " labels but " + probabilities.length + " probability rows");
        }
        int k = labels.size();
        long[][] confusion = new long[k][k];
        double lossSum = 0;
        double[] binConfidence = new double[CALIBRATION_BINS];
        double[] binCorrect = new double[CALIBRATION_BINS];
        long[] binCount = new long[CALIBRATION_BINS];
        long correct = 0;
        for (int i = 0; i < truth.length; i++) {
            float[] p = probabilities[i];
            int predicted = argmax(p);
            confusion[truth[i]][predicted]++;
            if (predicted == truth[i]) {
                correct++;
            }
            lossSum -= Math.log(Math.max(p[truth[i]], MIN_PROBABILITY));
            double confidence = p[predicted];
            int bin = Math.min(CALIBRATION_BINS - 1, (int) (confidence * CALIBRATION_BINS));
            binConfidence[bin] += confidence;
            binCorrect[bin] += predicted == truth[i] ? 1 : 0;
            binCount[bin]++;
        }
        int n = truth.length;
        double ece = 0;
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            if (binCount[b] > 0) {
                ece += Math.abs(binCorrect[b] - binConfidence[b]) / Math.max(n, 1);
            }
        }
        Map<String, ClassMetrics> perClass = new LinkedHashMap<>();
        double f1Sum = 0;
        int present = 0; // macro-F1 over labels seen in truth or predictions, as scikit-learn does
        for (int c = 0; c < k; c++) {
            long tp = confusion[c][c];
            long support = 0;
            long predictedAs = 0;
            for (int j = 0; j < k; j++) {
                support += confusion[c][j];
                predictedAs += confusion[j][c];
            }
            double precision = predictedAs == 0 ? 0 : (double) tp / predictedAs;
            double recall = support == 0 ? 0 : (double) tp / support;
            double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
            perClass.put(labels.get(c), new ClassMetrics(precision, recall, f1, support));
            if (support + predictedAs > 0) {
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

    public static int argmax(float[] values) {
        int best = 0;
        for (int i = 1; i < values.length; i++) {
            if (values[i] > values[best]) {
                best = i;
            }
        }
        return best;
    }
}
