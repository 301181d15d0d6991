package dev.streamtune.inference.engine;

import dev.streamtune.inference.model.LoadedModel;
import dev.streamtune.inference.model.ModelHolder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The one inference thread: the stream loop and REST callers submit lists of texts; the engine merges what is queued
 * into one batch (up to the maximum size, waiting up to the maximum wait when every caller allows it), takes the
 * model in service once for the whole batch and completes each caller's future with its own outcomes. Hot swaps
 * therefore happen between batches, and every result says which version made it.
 */
public final class BatchingEngine implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BatchingEngine.class);

    private record Job(List<String> texts, boolean mayWait, CompletableFuture<EngineResult> result) {}

    private final ModelHolder holder;
    private final BatchClassifier classifier;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean running = true;

    public BatchingEngine(ModelHolder holder, BatchClassifier classifier, Duration maxWait) {
        this.holder = holder;
        this.classifier = classifier;
        this.maxBatch = classifier.planner().maxBatch();
        this.maxWaitNanos = maxWait.toNanos();
        this.thread = new Thread(this::loop, "streamtune-inference-engine");
        this.thread.setDaemon(true);
    }

    public BatchingEngine start() {
        thread.start();
        return this;
    }

    /**
     * Queues texts for classification.
     *
     * @param mayWait whether the engine may hold them up to the maximum wait to fill a batch (REST callers); the
     *     stream loop's polls are batches already
     */
    public CompletableFuture<EngineResult> submit(List<String> texts, boolean mayWait) {
        CompletableFuture<EngineResult> result = new CompletableFuture<>();
        if (!running) {
            result.completeExceptionally(new IllegalStateException("the inference engine is stopped"));
        } else if (texts.isEmpty()) {
            result.completeExceptionally(new IllegalArgumentException("nothing to classify"));
        } else {
            queue.add(new Job(List.copyOf(texts), mayWait, result));
        }
        return result;
    }

    private void loop() {
        while (running) {
            List<Job> jobs;
            try {
                jobs = nextBatch();
            } catch (InterruptedException e) {
                break;
            }
            if (!jobs.isEmpty()) {
                runBatch(jobs);
            }
        }
        Job left;
        while ((left = queue.poll()) != null) {
            left.result().completeExceptionally(new IllegalStateException("the inference engine stopped"));
        }
    }

    private List<Job> nextBatch() throws InterruptedException {
        Job first = queue.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
            return List.of();
        }
        List<Job> jobs = new ArrayList<>();
        jobs.add(first);
        int texts = first.texts().size();
        boolean mayWait = first.mayWait();
        long deadline = System.nanoTime() + maxWaitNanos;
        while (texts < maxBatch) {
            long left = deadline - System.nanoTime();
            Job next = mayWait && left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
            if (next == null) {
                break;
            }
            jobs.add(next);
            texts += next.texts().size();
            mayWait &= next.mayWait();
        }
        return jobs;
    }

    private void runBatch(List<Job> jobs) {
        LoadedModel model = holder.acquire();
        if (model == null) {
            jobs.forEach(j -> j.result().completeExceptionally(InferenceException.noModel()));
            return;
        }
        try {
            List<String> texts = new ArrayList<>();
            jobs.forEach(j -> texts.addAll(j.texts()));
            List<ClassifyOutcome> outcomes = classifier.classify(model, texts);
            int offset = 0;
            for (Job job : jobs) {
                int n = job.texts().size();
                job.result()
                        .complete(new EngineResult(
                                model.name(), model.version(), model.labels(), outcomes.subList(offset, offset + n)));
                offset += n;
            }
        } catch (InferenceException | RuntimeException e) {
            LOG.errorf(e, "batch of %d requests failed on %s", jobs.size(), model);
            jobs.forEach(j -> j.result().completeExceptionally(e));
        } finally {
            model.release();
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
