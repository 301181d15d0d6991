package dev.streamtune.common.onnx;

import java.util.Objects;

/**
 * The classification layer on the pooled vector: {@code probabilities = softmax(W·h + b)}, with {@code W =
 * classifier.weight [numLabels, hidden]} and {@code b = classifier.bias [numLabels]} (Hugging Face names).
 */
public record ClassifierHead(NamedTensor weight, NamedTensor bias) {

    public static final String WEIGHT = "classifier.weight";
    public static final String BIAS = "classifier.bias";

    public ClassifierHead {
        Objects.requireNonNull(weight, "weight");
        Objects.requireNonNull(bias, "bias");
        if (weight.rank() != 2 || weight.dim(0) < 1 || weight.dim(1) < 1) {
            throw new IllegalArgumentException(
                    "classifier weight must be [numLabels, hidden], got " + NamedTensor.shapeString(weight.shape()));
        }
        if (!bias.hasShape(weight.dim(0))) {
            throw new IllegalArgumentException(
                    "classifier bias must be [" + weight.dim(0) + "], got " + NamedTensor.shapeString(bias.shape()));
        }
        weight = weight.name().equals(WEIGHT) ? weight : weight.renamed(WEIGHT);
        bias = bias.name().equals(BIAS) ? bias : bias.renamed(BIAS);
    }

    /** A head from row-major {@code [numLabels, hidden]} weights and a bias per label. */
    public static ClassifierHead of(float[] weight, float[] bias, int hidden) {
        if (hidden < 1 || weight.length != (long) bias.length * hidden) {
            throw new IllegalArgumentException(
                    "classifier weight has " + weight.length + " values, expected " + bias.length + " x " + hidden);
        }
        return new ClassifierHead(
                new NamedTensor(WEIGHT, new long[] {bias.length, hidden}, weight),
                new NamedTensor(BIAS, new long[] {bias.length}, bias));
    }

    /** Deterministic N(0, 0.02) weights and small random biases, for test models. */
    public static ClassifierHead random(int numLabels, int hidden, long seed) {
        return new ClassifierHead(
                BertWeights.randomTensor(WEIGHT, new long[] {numLabels, hidden}, seed),
                BertWeights.randomTensor(BIAS, new long[] {numLabels}, seed));
    }

    public int numLabels() {
        return (int) weight.dim(0);
    }

    public int hiddenSize() {
        return (int) weight.dim(1);
    }

    /** {@code W·h + b} for one pooled vector, in plain Java (double accumulation). */
    public float[] logits(float[] pooled) {
        int hidden = hiddenSize();
        if (pooled.length != hidden) {
            throw new IllegalArgumentException("pooled vector has " + pooled.length + " values, expected " + hidden);
        }
        float[] w = weight.data();
        float[] out = new float[numLabels()];
        for (int label = 0; label < out.length; label++) {
            double sum = bias.data()[label];
            for (int j = 0; j < hidden; j++) {
                sum += (double) w[label * hidden + j] * pooled[j];
            }
            out[label] = (float) sum;
        }
        return out;
    }

    /** {@code softmax(W·h + b)} for one pooled vector. */
    public float[] probabilities(float[] pooled) {
        return softmax(logits(pooled));
    }

    /** Numerically stable softmax. */
    public static float[] softmax(float[] logits) {
        double max = Double.NEGATIVE_INFINITY;
        for (float v : logits) {
            max = Math.max(max, v);
        }
        double[] e = new double[logits.length];
        double sum = 0;
        for (int i = 0; i < logits.length; i++) {
            e[i] = Math.exp(logits[i] - max);
            sum += e[i];
        }
        float[] out = new float[logits.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) (e[i] / sum);
        }
        return out;
    }

    /** Checks the head reads vectors of the encoder's width. */
    public ClassifierHead requireHidden(int hidden) {
        if (hiddenSize() != hidden) {
            throw new IllegalArgumentException(
                    "classifier reads " + hiddenSize() + "-wide vectors but the encoder produces " + hidden);
        }
        return this;
    }
}
