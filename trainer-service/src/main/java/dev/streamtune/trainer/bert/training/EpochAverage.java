package dev.streamtune.trainer.bert.training;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Parameter;
import dev.streamtune.trainer.bert.model.InferenceMode;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Checkpoint averaging: copies of the trainable weights at the ends of the last {@code k} epochs, and their element-wise
 * mean written back into the model. With {@code k == 1} it holds nothing and costs nothing.
 *
 * <p>The copies live in native memory, detached from any manager (one copy of the trainable weights per epoch held):
 * close the window.
 */
final class EpochAverage implements AutoCloseable {

    private record Snapshot(int epoch, Map<Parameter, NDArray> weights) {}

    private final int size;
    private final Deque<Snapshot> window = new ArrayDeque<>();

    EpochAverage(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("the window must hold at least 1 epoch");
        }
        this.size = size;
    }

    /** Whether the run averages at all ({@code k > 1}). */
    boolean enabled() {
        return size > 1;
    }

    /** Copies the trainable weights at the end of {@code epoch}, dropping the oldest copy beyond the window. */
    void add(int epoch, List<Parameter> trainable) {
        if (!enabled()) {
            return;
        }
        Map<Parameter, NDArray> copy = new LinkedHashMap<>();
        for (Parameter p : trainable) {
            NDArray a = p.getArray().duplicate();
            a.detach();
            copy.put(p, a);
        }
        window.addLast(new Snapshot(epoch, copy));
        if (window.size() > size) {
            close(window.removeFirst());
        }
    }

    /** The epochs held, oldest first. */
    List<Integer> epochs() {
        return window.stream().map(Snapshot::epoch).toList();
    }

    /**
     * Writes the element-wise mean of the held copies into the parameters (summed in double, one tensor at a time).
     */
    @SuppressWarnings("try") // scope guard: entering and closing it is the point
    void applyMean() {
        if (window.isEmpty()) {
            throw new IllegalStateException("no epoch to average");
        }
        try (InferenceMode ignored = InferenceMode.enter()) {
            for (Parameter p : window.getFirst().weights().keySet()) {
                double[] sum = null;
                for (Snapshot s : window) {
                    float[] values = s.weights().get(p).toFloatArray();
                    if (sum == null) {
                        sum = new double[values.length];
                    }
                    for (int i = 0; i < values.length; i++) {
                        sum[i] += values[i];
                    }
                }
                float[] mean = new float[sum.length];
                for (int i = 0; i < sum.length; i++) {
                    mean[i] = (float) (sum[i] / window.size());
                }
                p.getArray().set(FloatBuffer.wrap(mean));
            }
        }
    }

    /**
     * Whether the averaged weights are kept: unless they get more than one validation example more wrong than the best
     * epoch's (on a small split one example is noise). Counted in examples, not in macro-F1, where one example of a
     * small class weighs several times {@code 1 / n}.
     */
    static boolean keep(double averageAccuracy, double bestAccuracy, int validationExamples) {
        long averageWrong = Math.round((1 - averageAccuracy) * validationExamples);
        long bestWrong = Math.round((1 - bestAccuracy) * validationExamples);
        return averageWrong <= bestWrong + 1;
    }

    @Override
    public void close() {
        window.forEach(EpochAverage::close);
        window.clear();
    }

    private static void close(Snapshot s) {
        s.weights().values().forEach(NDArray::close);
    }
}
