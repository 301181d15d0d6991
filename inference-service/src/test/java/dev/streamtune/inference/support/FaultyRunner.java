package dev.streamtune.inference.support;

import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.inference.model.LoadedModel;
import dev.streamtune.inference.model.OnnxRunner;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real ONNX Runtime runner that misbehaves on batches holding a marker word, as a runtime can on one input: it
 * throws, runs out of memory, fails a given number of times then works, or hangs until released. Everything else runs
 * the real model.
 */
public final class FaultyRunner implements OnnxRunner {

    public enum Fault {
        THROW,
        OUT_OF_MEMORY,
        HANG
    }

    private record Rule(long tokenId, Fault fault, AtomicInteger remaining) {}

    private final OnnxRunner real;
    private final List<Rule> rules = new CopyOnWriteArrayList<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final AtomicInteger calls = new AtomicInteger();
    private volatile long delayMillis;

    private FaultyRunner(OnnxRunner real) {
        this.real = real;
    }

    /** A model served through a faulty runner. */
    public record Wrapped(LoadedModel model, FaultyRunner runner) {}

    /**
     * The loaded model with its runner wrapped (the wrapped model owns the real one's session and tokenizer).
     *
     * @param model a freshly loaded model, not yet in service
     */
    public static Wrapped wrap(LoadedModel model) {
        FaultyRunner faulty = new FaultyRunner(model.runner());
        return new Wrapped(
                new LoadedModel(model.manifest(), model.tokenizer(), faulty, null, model.manifestSha256()), faulty);
    }

    /** Batches holding {@code word} (one token of the test tokenizer) fail {@code times} times with {@code fault}. */
    public FaultyRunner on(String word, Fault fault, int times) {
        long[] ids = TestModels.tokenizer().encode(word, 8).ids();
        if (ids.length != 3) {
            throw new IllegalArgumentException("'" + word + "' is not one token: " + java.util.Arrays.toString(ids));
        }
        rules.add(new Rule(ids[1], fault, new AtomicInteger(times)));
        return this;
    }

    /** Every call takes at least this long (a larger model, a slower machine). */
    public FaultyRunner withDelay(java.time.Duration delay) {
        this.delayMillis = delay.toMillis();
        return this;
    }

    /** Lets hung calls go on. */
    public void release() {
        release.countDown();
    }

    public int calls() {
        return calls.get();
    }

    @Override
    public float[] probabilities(TokenBatch batch) throws Exception {
        calls.incrementAndGet();
        if (delayMillis > 0) {
            Thread.sleep(delayMillis);
        }
        for (Rule rule : rules) {
            if (contains(batch, rule.tokenId()) && rule.remaining().getAndDecrement() > 0) {
                switch (rule.fault()) {
                    case THROW -> throw new IllegalStateException("simulated runtime failure");
                    case OUT_OF_MEMORY -> throw new OutOfMemoryError("simulated: Java heap space");
                    case HANG -> release.await();
                }
            }
        }
        return real.probabilities(batch);
    }

    private static boolean contains(TokenBatch batch, long tokenId) {
        for (long id : batch.inputIds()) {
            if (id == tokenId) {
                return true;
            }
        }
        return false;
    }

    @Override
    public int declaredLabels() {
        return real.declaredLabels();
    }

    @Override
    public void close() {
        release();
        real.close();
    }
}
