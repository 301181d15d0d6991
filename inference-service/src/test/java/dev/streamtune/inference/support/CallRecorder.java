package dev.streamtune.inference.support;

import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.inference.model.LoadedModel;
import dev.streamtune.inference.model.OnnxRunner;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Records every ONNX Runtime call of the models it wraps, whichever model and thread makes it: when it ran, and the
 * most calls that were ever in flight at once. Each call can be stretched by a fixed delay inside the recorded span
 * (a larger model, a slower machine), so that calls which may overlap do overlap.
 */
public final class CallRecorder {

    /** One runtime call: which model's, on which thread, from when to when ({@link System#nanoTime()}). */
    public record Call(String model, String thread, long startNanos, long endNanos) {}

    private final List<Call> calls = new CopyOnWriteArrayList<>();
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger maxInFlight = new AtomicInteger();
    private final long delayMillis;

    public CallRecorder(Duration delay) {
        this.delayMillis = delay.toMillis();
    }

    /**
     * The model with its runner recorded under {@code label} (the wrapper shares the real one's session and tokenizer;
     * close one of them only).
     */
    public LoadedModel wrap(LoadedModel model, String label) {
        return new LoadedModel(
                model.manifest(),
                model.tokenizer(),
                new Recording(model.runner(), label),
                null,
                model.manifestSha256(),
                model.graph());
    }

    public List<Call> calls() {
        return List.copyOf(calls);
    }

    public List<Call> calls(String model) {
        return calls.stream().filter(c -> c.model().equals(model)).toList();
    }

    /** The most runtime calls that ran at the same time. */
    public int maxInFlight() {
        return maxInFlight.get();
    }

    private final class Recording implements OnnxRunner {

        private final OnnxRunner real;
        private final String label;

        Recording(OnnxRunner real, String label) {
            this.real = real;
            this.label = label;
        }

        @Override
        public float[] probabilities(TokenBatch batch) throws Exception {
            long start = System.nanoTime();
            maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
            try {
                if (delayMillis > 0) {
                    Thread.sleep(delayMillis);
                }
                return real.probabilities(batch);
            } finally {
                inFlight.decrementAndGet();
                calls.add(new Call(label, Thread.currentThread().getName(), start, System.nanoTime()));
            }
        }

        @Override
        public int declaredLabels() {
            return real.declaredLabels();
        }

        @Override
        public void close() {
            real.close();
        }
    }
}
