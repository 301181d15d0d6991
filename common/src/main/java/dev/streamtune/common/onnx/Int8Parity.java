package dev.streamtune.common.onnx;

import java.util.Locale;

/**
 * How closely a dynamically quantized graph follows its float original on the same inputs. The documented bound an
 * int8 export must meet on its parity texts: {@code max |Δprobability| ≤} {@value #MAX_PROBABILITY_DIFF}. It implies
 * the same top-1 label wherever the float graph's top label leads the runner-up by more than twice that; a flip
 * between labels closer than that is a near tie either way, so top-1 agreement is reported, not bounded. Accuracy on
 * the test split decides serving; this bound only catches a broken quantized graph (measured: 0.045 on a MiniLM-6
 * SpamAssassin classifier whose test accuracy moved 0.1 point, 0.044 on a 2-layer MiniLM with a sharp random head).
 *
 * @param rows inputs compared
 * @param maxAbsProbabilityDiff largest {@code |p_int8 - p_fp32|} over every input and label
 * @param top1Agreement fraction of inputs whose most probable label is the same in both
 */
public record Int8Parity(int rows, double maxAbsProbabilityDiff, double top1Agreement) {

    public static final double MAX_PROBABILITY_DIFF = 0.1;

    /** Row-major {@code [rows, numLabels]} probabilities. */
    public static Int8Parity of(float[] fp32, float[] int8, int numLabels) {
        if (fp32.length != int8.length || fp32.length % numLabels != 0) {
            throw new IllegalArgumentException(
                    fp32.length + " vs " + int8.length + " values, " + numLabels + " labels");
        }
        int rows = fp32.length / numLabels;
        double max = 0;
        int agree = 0;
        for (int r = 0; r < rows; r++) {
            int a = 0;
            int b = 0;
            for (int k = 0; k < numLabels; k++) {
                int i = r * numLabels + k;
                max = Math.max(max, Math.abs(fp32[i] - int8[i]));
                a = fp32[i] > fp32[r * numLabels + a] ? k : a;
                b = int8[i] > int8[r * numLabels + b] ? k : b;
            }
            agree += a == b ? 1 : 0;
        }
        return new Int8Parity(rows, max, rows == 0 ? 1 : agree / (double) rows);
    }

    public static Int8Parity of(float[][] fp32, float[][] int8) {
        if (fp32.length == 0) {
            return new Int8Parity(0, 0, 1);
        }
        int numLabels = fp32[0].length;
        float[] a = new float[fp32.length * numLabels];
        float[] b = new float[a.length];
        for (int r = 0; r < fp32.length; r++) {
            System.arraycopy(fp32[r], 0, a, r * numLabels, numLabels);
            System.arraycopy(int8[r], 0, b, r * numLabels, numLabels);
        }
        return of(a, b, numLabels);
    }

    public boolean withinBound() {
        return maxAbsProbabilityDiff <= MAX_PROBABILITY_DIFF;
    }

    @Override
    public String toString() {
        return String.format(
                Locale.ROOT,
                "%d inputs, max |Δp| %.2e, top-1 agreement %.3f",
                rows,
                maxAbsProbabilityDiff,
                top1Agreement);
    }
}
