package dev.streamtune.trainer.bert.training;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.training.optimizer.Optimizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * AdamW (Loshchilov and Hutter) on PyTorch's fused update: decoupled weight decay, skipped for the parameters named
 * in {@code noDecay} (biases and LayerNorm); learning rate from a schedule by optimizer step; global-norm gradient
 * clipping through a per-step gradient scale. DJL's own AdamW counts updates per device (so bias correction drifts on
 * several GPUs), decays every parameter and clips element-wise; this one takes the step from the training loop.
 * Moment buffers live until {@link #close()}.
 */
final class DecoupledAdamW extends Optimizer implements AutoCloseable {

    private static final float BETA1 = 0.9f;
    private static final float BETA2 = 0.999f;
    private static final float EPSILON = 1e-8f;

    private final LinearWarmupSchedule schedule;
    private final float weightDecay;
    private final Set<String> noDecay;
    private final Map<String, Map<Device, NDArray[]>> moments = new ConcurrentHashMap<>();
    private final List<NDArray> owned = new ArrayList<>();
    private long step;
    private float learningRate;

    /**
     * @param noDecay parameter ids ({@link ai.djl.nn.Parameter#getId()}) without weight decay
     */
    DecoupledAdamW(LinearWarmupSchedule schedule, double weightDecay, Set<String> noDecay) {
        super(Optimizer.adamW()); // only for rescaleGrad/clipGrad defaults; this class does its own update
        this.schedule = schedule;
        this.weightDecay = (float) weightDecay;
        this.noDecay = Set.copyOf(noDecay);
    }

    /**
     * Prepares optimizer step {@code step} (1-based).
     *
     * @param gradientScale multiplies every gradient (global-norm clipping); 1 leaves them as they are
     */
    void beginStep(long step, float gradientScale) {
        this.step = step;
        this.learningRate = (float) schedule.learningRate(step);
        this.rescaleGrad = gradientScale;
    }

    float learningRate() {
        return learningRate;
    }

    @Override
    public void update(String parameterId, NDArray weight, NDArray grad) {
        if (step < 1) {
            throw new IllegalStateException("beginStep was not called");
        }
        double correction1 = 1.0 - Math.pow(BETA1, step);
        double correction2 = 1.0 - Math.pow(BETA2, step);
        float biasCorrectedRate = (float) (learningRate * Math.sqrt(correction2) / correction1);
        NDArray[] state = moments.computeIfAbsent(parameterId, k -> new ConcurrentHashMap<>())
                .computeIfAbsent(weight.getDevice(), d -> newState(weight));
        weight.getNDArrayInternal()
                .adamUpdate(
                        new NDList(weight, grad, state[0], state[1]),
                        new NDList(weight),
                        learningRate,
                        biasCorrectedRate,
                        noDecay.contains(parameterId) ? 0f : weightDecay,
                        rescaleGrad,
                        -1f, // no element-wise clipping
                        BETA1,
                        BETA2,
                        EPSILON,
                        true,
                        true);
    }

    private NDArray[] newState(NDArray weight) {
        NDArray mean = weight.zerosLike();
        NDArray variance = weight.zerosLike();
        // detached from the model's manager: freed by close() when training ends, not when the model does
        mean.detach();
        variance.detach();
        synchronized (owned) {
            owned.add(mean);
            owned.add(variance);
        }
        return new NDArray[] {mean, variance};
    }

    @Override
    public void close() {
        synchronized (owned) {
            owned.forEach(NDArray::close);
            owned.clear();
        }
        moments.clear();
    }
}
