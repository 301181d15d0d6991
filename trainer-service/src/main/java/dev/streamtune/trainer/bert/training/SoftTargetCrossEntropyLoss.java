package dev.streamtune.trainer.bert.training;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.loss.Loss;

/**
 * Cross-entropy against target rows built by {@link #targets}: {@code -Σ targets · log softmax(logits)}. Class weights,
 * label smoothing and the batch mean are folded into the targets, so the loss of a batch split over several devices
 * is the sum of the parts.
 */
final class SoftTargetCrossEntropyLoss extends Loss {

    SoftTargetCrossEntropyLoss() {
        super("SoftTargetCrossEntropy");
    }

    /** @param labels targets from {@link #targets}; @param predictions logits {@code [batch, labels]} */
    @Override
    public NDArray evaluate(NDList labels, NDList predictions) {
        NDArray logProbabilities = predictions.singletonOrThrow().logSoftmax(-1);
        return logProbabilities
                .mul(labels.singletonOrThrow())
                .sum()
                .neg(); // not muli: logSoftmax's backward reads its output
    }

    /**
     * Target rows for examples {@code rows} of a batch, as PyTorch's {@code CrossEntropyLoss(weight=w,
     * label_smoothing=ε)} weighs them: {@code ((1 - ε) · w_y · onehot(y) + ε / K · w) / Σ w_y}, the smoothed share of
     * each class weighted by that class's own weight, and the sum of the true classes' weights over the whole batch
     * ({@code normalizer}) as the mean's denominator, so each example counts once however the batch is split.
     */
    static float[] targets(
            int[] labels, int[] rows, int numLabels, float[] classWeights, double smoothing, double normalizer) {
        float[] out = new float[rows.length * numLabels];
        double off = smoothing / numLabels;
        for (int i = 0; i < rows.length; i++) {
            int y = labels[rows[i]];
            for (int k = 0; k < numLabels; k++) {
                double p = (k == y ? 1.0 - smoothing : 0.0) * weight(classWeights, y) + off * weight(classWeights, k);
                out[i * numLabels + k] = (float) (p / normalizer);
            }
        }
        return out;
    }

    private static double weight(float[] classWeights, int label) {
        return classWeights == null ? 1.0 : classWeights[label];
    }

    /** Σ of the class weights of examples {@code rows}: the batch's normalizer. */
    static double normalizer(int[] labels, int[] rows, float[] classWeights) {
        if (classWeights == null) {
            return rows.length;
        }
        double sum = 0;
        for (int row : rows) {
            sum += classWeights[labels[row]];
        }
        return sum;
    }
}
