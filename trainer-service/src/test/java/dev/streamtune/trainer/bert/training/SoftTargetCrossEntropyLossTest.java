package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class SoftTargetCrossEntropyLossTest {

    @Test
    void shouldFoldClassWeightsSmoothingAndTheBatchMeanIntoTargets() {
        int[] labels = {0, 1, 1};
        int[] rows = {0, 1, 2};
        float[] weights = {2f, 1f};
        double normalizer = SoftTargetCrossEntropyLoss.normalizer(labels, rows, weights);
        assertThat(normalizer).isEqualTo(4.0);
        float[] targets = SoftTargetCrossEntropyLoss.targets(labels, rows, 2, weights, 0.2, normalizer);
        // example 0: label 0 -> ((0.8 * 2 + 0.1 * 2), 0.1 * 1) / 4; example 1: label 1 -> (0.1 * 2, 0.8 + 0.1) / 4
        assertThat(targets[0]).isCloseTo(0.45f, within(1e-6f));
        assertThat(targets[1]).isCloseTo(0.025f, within(1e-6f));
        assertThat(targets[2]).isCloseTo(0.05f, within(1e-6f));
        assertThat(targets[3]).isCloseTo(0.225f, within(1e-6f));
    }

    @Test
    void shouldWeighSmoothedTargetsPerClassAsPyTorchDoes() {
        // torch.nn.CrossEntropyLoss(weight=w, label_smoothing=eps) with class-index targets, reduction "mean":
        // (1 - eps) * sum_i w[y_i] * -log p_i[y_i] / sum_i w[y_i]
        //   + eps / K * sum_i sum_k w[k] * -log p_i[k] / sum_i w[y_i]
        float[] logits = {2f, 0f, -1f, 1f, 3f, 0f, 0.5f, -0.5f, 2f};
        int[] labels = {0, 1, 2};
        int[] rows = {0, 1, 2};
        float[] w = {3f, 1f, 0.5f};
        double eps = 0.3;
        double weightSum = w[0] + w[1] + w[2];
        double nll = 0;
        double smooth = 0;
        for (int i = 0; i < 3; i++) {
            nll += w[labels[i]] * -logSoftmax(logits, 3 * i, labels[i]);
            for (int k = 0; k < 3; k++) {
                smooth += w[k] * -logSoftmax(logits, 3 * i, k);
            }
        }
        double expected = (1 - eps) * nll / weightSum + eps / 3 * smooth / weightSum;

        double normalizer = SoftTargetCrossEntropyLoss.normalizer(labels, rows, w);
        float[] targets = SoftTargetCrossEntropyLoss.targets(labels, rows, 3, w, eps, normalizer);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            float loss = new SoftTargetCrossEntropyLoss()
                    .evaluate(
                            new NDList(manager.create(targets, new Shape(3, 3))),
                            new NDList(manager.create(logits, new Shape(3, 3))))
                    .getFloat();
            assertThat((double) loss).isCloseTo(expected, within(1e-5));
        }
    }

    @Test
    void shouldEqualPlainCrossEntropyWithoutWeightsOrSmoothing() {
        float[] logits = {2f, 0f, -1f, 1f, 3f, 0f};
        int[] labels = {0, 1};
        int[] rows = {0, 1};
        float[] targets = SoftTargetCrossEntropyLoss.targets(labels, rows, 3, null, 0, 2);
        double expected = (-logSoftmax(logits, 0, 0) - logSoftmax(logits, 3, 1)) / 2;
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            float loss = new SoftTargetCrossEntropyLoss()
                    .evaluate(
                            new NDList(manager.create(targets, new Shape(2, 3))),
                            new NDList(manager.create(logits, new Shape(2, 3))))
                    .getFloat();
            assertThat((double) loss).isCloseTo(expected, within(1e-6));
        }
    }

    private static double logSoftmax(float[] logits, int offset, int index) {
        double sum = 0;
        for (int i = 0; i < 3; i++) {
            sum += Math.exp(logits[offset + i]);
        }
        return logits[offset + index] - Math.log(sum);
    }
}
