package dev.streamtune.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class Int8WeightQuantizerTest {

    /** PyTorch layout [out=3, in=3]; the last channel is all zeros. */
    private static final NamedTensor WEIGHT =
            NamedTensor.of("w", new float[] {0.6f, -1.0f, 0.25f, 2.0f, 0.0f, -0.3f, 0f, 0f, 0f}, 3, 3);

    @Test
    void shouldQuantizeEachOutputChannelWithItsOwnSymmetricScale() {
        Int8WeightQuantizer.QuantizedWeight q = Int8WeightQuantizer.quantize(WEIGHT, Int8WeightQuantizer.REDUCED_RANGE);

        // by hand: channel 0 max |w| = 1 -> scale 1/63: 0.6*63 = 37.8 -> 38, -63, 0.25*63 = 15.75 -> 16
        //          channel 1 max |w| = 2 -> scale 2/63: 63, 0, -0.3*31.5 = -9.45 -> -9; channel 2: zeros, scale 1
        assertThat(q.scales()).containsExactly(new float[] {1f / 63, 2f / 63, 1f}, within(1e-9f));
        // MatMul layout [in, out]: row i holds input feature i of every output channel
        assertThat(q.values()).containsExactly(38, 63, 0, -63, 0, 0, 16, -9, 0);
        assertThat(q.dequantized(0, 0)).isCloseTo(38f / 63, within(1e-7f));
    }

    @Test
    void shouldUseAllEightBitsOnlyWhenAskedTo() {
        Int8WeightQuantizer.QuantizedWeight q = Int8WeightQuantizer.quantize(WEIGHT, Int8WeightQuantizer.FULL_RANGE);

        // channel 0: 0.6*127 = 76.2 -> 76, -127, 31.75 -> 32; channel 1: 127, 0, -0.3*63.5 = -19.05 -> -19
        assertThat(q.values()).containsExactly(76, 127, 0, -127, 0, 0, 32, -19, 0);
    }

    @Test
    void shouldKeepEveryWeightWithinHalfAStepOfItsChannel() {
        Random random = new Random(7);
        int out = 17;
        int in = 29;
        float[] w = new float[out * in];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (random.nextGaussian() * (1 + i % out));
        }
        Int8WeightQuantizer.QuantizedWeight q =
                Int8WeightQuantizer.quantize(NamedTensor.of("w", w, out, in), Int8WeightQuantizer.REDUCED_RANGE);
        for (int o = 0; o < out; o++) {
            for (int i = 0; i < in; i++) {
                assertThat(Math.abs(q.level(i, o))).isLessThanOrEqualTo(63);
                assertThat(q.dequantized(i, o)).isCloseTo(w[o * in + i], within(q.scales()[o] / 2 * 1.0001f));
            }
        }
    }
}
