package dev.streamtune.trainer.bert.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.Test;

/**
 * Host-drawn dropout masks ({@link DropoutMasks#HOST}) are inverted dropout as PyTorch's: the share dropped is the
 * rate, the kept values are scaled so the expected activation is unchanged, the gradient flows through the kept
 * elements only with the same scale, and the masks follow from the seed.
 */
class InvertedDropoutTest {

    private static final int N = 1 << 20;

    @Test
    void shouldDropTheRateAndScaleTheRestSoTheMeanIsKept() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            float[] out = new InvertedDropout.Host(7)
                    .apply(manager.ones(new Shape(N)), 0.1f, true)
                    .toFloatArray();

            int dropped = 0;
            double sum = 0;
            float kept = 65536f / (65536 - 6554); // the rate rounded to 6,554 / 65,536
            for (float v : out) {
                if (v == 0) {
                    dropped++;
                } else {
                    assertThat(v).isCloseTo(kept, within(1e-6f));
                }
                sum += v;
            }
            // binomial spread at 2^20 elements: sigma = 0.0003 of the share
            assertThat(dropped / (double) N).isCloseTo(0.1, within(0.0015));
            assertThat(sum / N).isCloseTo(1.0, within(0.002));
        }
    }

    @Test
    void shouldPassTheGradientThroughTheKeptElementsOnly() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = manager.randomUniform(0.5f, 1.5f, new Shape(64, 32));
            x.setRequiresGradient(true);
            NDArray y;
            try (GradientCollector collector = Engine.getEngine("PyTorch").newGradientCollector()) {
                y = new InvertedDropout.Host(3).apply(x, 0.25f, true);
                collector.backward(y.sum());
            }
            float[] out = y.toFloatArray();
            float[] in = x.toFloatArray();
            float[] grad = x.getGradient().toFloatArray();
            int dropped = 0;
            for (int i = 0; i < out.length; i++) {
                if (out[i] == 0) {
                    dropped++;
                    assertThat(grad[i]).isZero();
                } else {
                    assertThat(grad[i]).isCloseTo(4f / 3, within(1e-4f));
                    assertThat(out[i]).isCloseTo(in[i] * 4f / 3, within(1e-5f));
                }
            }
            assertThat(dropped).isBetween(400, 624); // 512 expected of 2,048
        }
    }

    @Test
    void shouldDrawTheSameMasksFromTheSameSeedAndNewOnesEachCall() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray ones = manager.ones(new Shape(4099)); // not a multiple of four draws
            InvertedDropout.Host a = new InvertedDropout.Host(11);
            InvertedDropout.Host b = new InvertedDropout.Host(11);
            float[] first = a.apply(ones, 0.5f, true).toFloatArray();

            assertThat(b.apply(ones, 0.5f, true).toFloatArray()).containsExactly(first);
            assertThat(a.apply(ones, 0.5f, true).toFloatArray()).isNotEqualTo(first);
            assertThat(new InvertedDropout.Host(12).apply(ones, 0.5f, true).toFloatArray())
                    .isNotEqualTo(first);
        }
    }

    @Test
    void shouldLeaveTheInputAloneOutsideTraining() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            NDArray x = manager.ones(new Shape(8));
            InvertedDropout.Host host = new InvertedDropout.Host(1);

            assertThat(host.apply(x, 0.1f, false)).isSameAs(x);
            assertThat(host.apply(x, 0f, true)).isSameAs(x);
            assertThatThrownBy(() -> host.apply(x, 1f, true)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shouldDrawOnTheHostOnCpuAndLeaveGpusToTheEngine() {
        assertThat(DropoutMasks.AUTO.resolve(false)).isEqualTo(DropoutMasks.HOST);
        assertThat(DropoutMasks.AUTO.resolve(true)).isEqualTo(DropoutMasks.ENGINE);
        assertThat(DropoutMasks.ENGINE.resolve(false)).isEqualTo(DropoutMasks.ENGINE);
        assertThat(InvertedDropout.of(DropoutMasks.AUTO, false, 1)).isInstanceOf(InvertedDropout.Host.class);
        assertThat(InvertedDropout.of(DropoutMasks.AUTO, true, 1)).isInstanceOf(InvertedDropout.Engine.class);
    }
}
