package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The optimizer against PyTorch's documented {@code torch.optim.AdamW} update (β1 0.9, β2 0.999, ε 1e-8), worked out
 * here in double precision: θ ← θ − lr·λ·θ; m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²; θ ← θ − lr·m̂ / (√v̂ + ε) with
 * m̂ = m / (1−β1^t), v̂ = v / (1−β2^t).
 */
class DecoupledAdamWTest {

    private static final double LR = 0.01;
    private static final double DECAY = 0.1;

    @Test
    void shouldTakeTwoStepsAsPyTorchAdamWDoesWithDecoupledWeightDecay() {
        float[] theta = {0.5f, -1.5f, 2.0f};
        float[][] grads = {{0.1f, -0.2f, 0.3f}, {-0.4f, 0.05f, 0.3f}};

        float[] actual = run(theta, grads, new float[] {1f, 1f}, "w", Set.of());

        double[] expected = reference(theta, grads, new double[] {1, 1}, DECAY);
        for (int i = 0; i < theta.length; i++) {
            assertThat((double) actual[i]).as("θ[%d]", i).isCloseTo(expected[i], within(1e-6));
        }
        // the numbers themselves, so a reference that drifted along with the code would show: step 1 moves each
        // weight by lr·sign(g) after decaying it by lr·λ
        assertThat((double) firstStep(theta[0], grads[0][0])).isCloseTo(0.5 * (1 - LR * DECAY) - LR, within(1e-6));
    }

    @Test
    void shouldNotDecayTheParametersInTheNoDecaySet() {
        float[] theta = {0.5f, -1.5f, 2.0f};
        float[][] grads = {{0.1f, -0.2f, 0.3f}, {-0.4f, 0.05f, 0.3f}};

        float[] actual = run(theta, grads, new float[] {1f, 1f}, "bias", Set.of("bias"));

        double[] expected = reference(theta, grads, new double[] {1, 1}, 0);
        double[] decayed = reference(theta, grads, new double[] {1, 1}, DECAY);
        for (int i = 0; i < theta.length; i++) {
            assertThat((double) actual[i]).as("θ[%d]", i).isCloseTo(expected[i], within(1e-6));
            assertThat(Math.abs(actual[i] - decayed[i])).isGreaterThan(1e-5);
        }
    }

    @Test
    void shouldScaleTheGradientItselfWhenClipping() {
        // global-norm clipping scales the gradient before the moments see it: with Adam the scale of step 1 alone
        // would cancel out, but it changes how much step 1 weighs against an unclipped step 2
        float[] theta = {0.5f, -1.5f, 2.0f};
        float[][] grads = {{3f, -4f, 12f}, {0.1f, 0.2f, -0.3f}};
        float scale = (float) (1.0 / 13.0); // ‖g1‖ = 13 clipped to norm 1

        float[] actual = run(theta, grads, new float[] {scale, 1f}, "w", Set.of());

        double[] expected = reference(theta, grads, new double[] {scale, 1}, DECAY);
        double[] unclipped = reference(theta, grads, new double[] {1, 1}, DECAY);
        for (int i = 0; i < theta.length; i++) {
            assertThat((double) actual[i]).as("θ[%d]", i).isCloseTo(expected[i], within(1e-6));
        }
        assertThat(Math.abs(actual[2] - unclipped[2])).isGreaterThan(1e-4);
    }

    @Test
    void shouldComputeTheClippingScaleFromTheGlobalNorm() {
        assertThat(FineTuneRun.clipScale(13.0, 1.0)).isCloseTo((float) (1.0 / 13.0), within(1e-6f));
        assertThat(FineTuneRun.clipScale(0.5, 1.0)).isEqualTo(1f);
        assertThat(FineTuneRun.clipScale(13.0, 0)).isEqualTo(1f); // 0 turns clipping off
    }

    private static float firstStep(float theta, float grad) {
        return run(new float[] {theta}, new float[][] {{grad}}, new float[] {1f}, "w", Set.of())[0];
    }

    /** Runs the optimizer at a constant learning rate {@link #LR} (no warmup, no decay of the rate). */
    private static float[] run(float[] theta, float[][] grads, float[] scales, String id, Set<String> noDecay) {
        LinearWarmupSchedule constant = new LinearWarmupSchedule(LR, 0, Long.MAX_VALUE / 2);
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                DecoupledAdamW optimizer = new DecoupledAdamW(constant, DECAY, noDecay)) {
            NDArray weight = manager.create(theta);
            for (int t = 0; t < grads.length; t++) {
                optimizer.beginStep(t + 1, scales[t]);
                assertThat((double) optimizer.learningRate()).isCloseTo(LR, within(1e-9));
                optimizer.update(id, weight, manager.create(grads[t]));
            }
            return weight.toFloatArray();
        }
    }

    private static double[] reference(float[] theta, float[][] grads, double[] scales, double decay) {
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double[] p = new double[theta.length];
        double[] m = new double[theta.length];
        double[] v = new double[theta.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = theta[i];
        }
        for (int t = 1; t <= grads.length; t++) {
            for (int i = 0; i < p.length; i++) {
                double g = grads[t - 1][i] * scales[t - 1];
                p[i] -= LR * decay * p[i];
                m[i] = beta1 * m[i] + (1 - beta1) * g;
                v[i] = beta2 * v[i] + (1 - beta2) * g * g;
                double mHat = m[i] / (1 - Math.pow(beta1, t));
                double vHat = v[i] / (1 - Math.pow(beta2, t));
                p[i] -= LR * mHat / (Math.sqrt(vHat) + eps);
            }
        }
        return p;
    }
}
