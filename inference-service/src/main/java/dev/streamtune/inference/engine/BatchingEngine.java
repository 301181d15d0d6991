package dev.streamtune.inference.engine;

import dev.streamtune.inference.model.LoadedModel;
import dev.streamtune.inference.model.ModelHolder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.jboss.logging.Logger;

/**
 * The one inference thread: the stream loop and REST callers submit lists of texts; the engine merges what is queued
 * into one batch (up to the maximum size, waiting up to the maximum wait when every caller allows it), takes the
 * model in service once for the whole batch and completes each caller's future with its own outcomes. Hot swaps
 * therefore happen between batches, and every result says which version made it.
 *
 * <p>Nothing a batch throws, {@link Error}s included, reaches the thread: the batch's callers get the failure and the
 * thread goes on. Callers that gave up (cancelled futures) are skipped. Texts queued by callers that may wait (REST)
 * are bounded: past the bound they are refused at once with {@link EngineOverloadedException}. {@link #health()}
 * says whether the thread is alive and whether a batch has been running for too long (a hung runtime call).
 *
 * <p>A new version's warm-up and self-checks run here too, through {@link #betweenBatches}, while another version
 * serves: queued like a batch, run alone between two served batches, so that two ONNX Runtime calls never run at once.
 * On a small machine each call takes every core its session has threads for; two at once (the serving one and the
 * loader's) made the serving one wait for the cores and stalled the stream during a swap. With no version in service
 * (start-up) they run on the loader's thread directly.
 */
public final class BatchingEngine implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(BatchingEngine.class);

    /** What callers queue: texts to classify, or a task to run between batches. */
    private sealed interface Work permits Job, Task {
        CompletableFuture<?> result();
    }

    private record Job(List<String> texts, boolean mayWait, CompletableFuture<EngineResult> result) implements Work {}

    private record Task(Callable<?> work, CompletableFuture<Object> result) implements Work {}

    /**
     * @param alive whether the engine thread runs
     * @param busyFor how long the batch in progress has been running (zero when idle)
     * @param queuedTexts texts waiting for the engine
     * @param failure what killed the thread, if it died
     */
    public record Health(boolean alive, Duration busyFor, int queuedTexts, Optional<Throwable> failure) {}

    private final ModelHolder holder;
    private final BatchClassifier classifier;
    private final int maxBatch;
    private final long maxWaitNanos;
    private final int maxQueuedTexts;
    private final BlockingQueue<Work> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedTexts = new AtomicInteger();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile long busySinceNanos;
    private volatile Throwable failure;
    private Task deferred; // met while a batch was forming: runs right after it (engine thread only)

    /** An engine without a bound on queued REST texts. */
    public BatchingEngine(ModelHolder holder, BatchClassifier classifier, Duration maxWait) {
        this(holder, classifier, maxWait, Integer.MAX_VALUE);
    }

    /** @param maxQueuedTexts most texts of callers that may wait (REST) queued at once */
    public BatchingEngine(ModelHolder holder, BatchClassifier classifier, Duration maxWait, int maxQueuedTexts) {
        this.holder = holder;
        this.classifier = classifier;
        this.maxBatch = classifier.planner().maxBatch();
        this.maxWaitNanos = maxWait.toNanos();
        this.maxQueuedTexts = maxQueuedTexts;
        this.thread = new Thread(this::loop, "streamtune-inference-engine");
        this.thread.setDaemon(true);
    }

    public BatchingEngine start() {
        thread.start();
        return this;
    }

    /**
     * Queues texts for classification. Cancel the returned future to withdraw texts not yet started.
     *
     * @param mayWait whether the engine may hold them up to the maximum wait to fill a batch (REST callers, whose
     *     queued texts are bounded); the stream loop's polls are batches already, bounded by its pipelining
     */
    public CompletableFuture<EngineResult> submit(List<String> texts, boolean mayWait) {
        CompletableFuture<EngineResult> result = new CompletableFuture<>();
        if (refuseIfDown(result)) {
            return result;
        }
        if (texts.isEmpty()) {
            result.completeExceptionally(new IllegalArgumentException("nothing to classify"));
        } else if (mayWait && queuedTexts.get() + texts.size() > maxQueuedTexts) {
            result.completeExceptionally(new EngineOverloadedException(queuedTexts.get(), maxQueuedTexts));
        } else {
            if (mayWait) {
                queuedTexts.addAndGet(texts.size());
            }
            queue.add(new Job(List.copyOf(texts), mayWait, result));
        }
        return result;
    }

    /**
     * A classifier for models not in service yet. While a version is in service, its every call runs on the engine
     * thread, alone, between served batches (queued behind the batches already waiting), and the calling thread waits
     * for it. While none is (start-up, restart), there is nothing to keep serving: it runs on the calling thread at
     * once, at full speed, so that a restarted instance's first version is ready as soon as before.
     */
    public CandidateClassifier betweenBatches(BatchClassifier candidates) {
        return new CandidateClassifier() {
            @Override
            public List<ClassifyOutcome> classify(LoadedModel candidate, List<String> texts) throws InferenceException {
                if (!holder.isLoaded()) {
                    // nothing served waits for the cores (a version swapped in meanwhile overlaps one call at most)
                    return candidates.classify(candidate, texts);
                }
                return onEngine(candidates, candidate, texts);
            }

            @Override
            public boolean sharesTheEngine() {
                return holder.isLoaded();
            }
        };
    }

    /** Runs one candidate call as a task between served batches and waits for it. */
    private List<ClassifyOutcome> onEngine(BatchClassifier candidates, LoadedModel candidate, List<String> texts)
            throws InferenceException {
        CompletableFuture<Object> result = new CompletableFuture<>();
        if (!refuseIfDown(result)) {
            queue.add(new Task(() -> candidates.classify(candidate, texts), result));
        }
        try {
            while (true) {
                try {
                    @SuppressWarnings("unchecked")
                    List<ClassifyOutcome> outcomes = (List<ClassifyOutcome>) result.get(1, TimeUnit.SECONDS);
                    return outcomes;
                } catch (TimeoutException e) {
                    if (!thread.isAlive()) { // stopped after the task was queued and the queue drained
                        result.cancel(false);
                        throw InferenceException.engineDown("the inference engine stopped", null);
                    }
                }
            }
        } catch (InterruptedException e) {
            result.cancel(false);
            Thread.currentThread().interrupt();
            throw InferenceException.engineDown("interrupted while waiting for the inference engine", e);
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof InferenceException inference) {
                throw inference;
            }
            if (cause instanceof IllegalStateException && (!running || !thread.isAlive())) {
                throw InferenceException.engineDown(cause.getMessage(), cause);
            }
            throw InferenceException.failed("the engine failed: " + cause, cause);
        }
    }

    /** Fails {@code result} when the engine cannot take work; whether it did. */
    private boolean refuseIfDown(CompletableFuture<?> result) {
        Throwable died = failure;
        if (died != null) {
            result.completeExceptionally(
                    InferenceException.engineDown("the inference engine thread died: " + died, died));
        } else if (!running) {
            result.completeExceptionally(new IllegalStateException("the inference engine is stopped"));
        } else {
            return false;
        }
        return true;
    }

    public Health health() {
        long since = busySinceNanos;
        Duration busy = since == 0 ? Duration.ZERO : Duration.ofNanos(System.nanoTime() - since);
        return new Health(thread.isAlive(), busy, queuedTexts.get(), Optional.ofNullable(failure));
    }

    private void loop() {
        try {
            while (running) {
                Work first;
                try {
                    first = nextWork();
                } catch (InterruptedException e) {
                    break;
                }
                if (first instanceof Task task) {
                    busySinceNanos = System.nanoTime();
                    try {
                        runTask(task);
                    } finally {
                        busySinceNanos = 0;
                    }
                } else if (first instanceof Job job) {
                    List<Job> jobs;
                    try {
                        jobs = formBatch(job);
                    } catch (InterruptedException e) {
                        break;
                    }
                    busySinceNanos = System.nanoTime();
                    try {
                        runBatch(jobs);
                    } finally {
                        busySinceNanos = 0;
                    }
                }
            }
        } catch (Throwable t) {
            failure = t;
            LOG.error("the inference engine thread died", t);
        } finally {
            IllegalStateException stopped = new IllegalStateException("the inference engine stopped");
            if (deferred != null) {
                deferred.result().completeExceptionally(stopped);
            }
            Work left;
            while ((left = queue.poll()) != null) {
                left.result().completeExceptionally(stopped);
            }
        }
    }

    /** A task deferred by the last batch, else the next queued work; null when nothing came within 200 ms. */
    private Work nextWork() throws InterruptedException {
        Task task = deferred;
        deferred = null;
        if (task != null && !task.result().isDone()) {
            return task;
        }
        return take(200_000_000L);
    }

    /** The batch {@code first} opens; a task met on the way waits for the batch's end. */
    private List<Job> formBatch(Job first) throws InterruptedException {
        List<Job> jobs = new ArrayList<>();
        jobs.add(first);
        int texts = first.texts().size();
        boolean mayWait = first.mayWait();
        long deadline = System.nanoTime() + maxWaitNanos;
        while (texts < maxBatch) {
            long left = deadline - System.nanoTime();
            Work next = take(mayWait && left > 0 ? left : 0);
            if (next == null) {
                break;
            }
            if (next instanceof Task task) {
                deferred = task;
                break;
            }
            Job job = (Job) next;
            jobs.add(job);
            texts += job.texts().size();
            mayWait &= job.mayWait();
        }
        return jobs;
    }

    /** The next work whose caller still waits for it, or null after {@code nanos}. */
    private Work take(long nanos) throws InterruptedException {
        long deadline = System.nanoTime() + nanos;
        while (true) {
            long left = deadline - System.nanoTime();
            Work work = left > 0 ? queue.poll(left, TimeUnit.NANOSECONDS) : queue.poll();
            if (work == null) {
                return null;
            }
            if (work instanceof Job job && job.mayWait()) {
                queuedTexts.addAndGet(-job.texts().size());
            }
            if (!work.result().isDone()) {
                return work;
            }
            // cancelled or timed out by its caller: nobody reads its result
        }
    }

    private static void runTask(Task task) {
        try {
            task.result().complete(task.work().call());
        } catch (Throwable t) {
            // an Error fails the task's caller (the loader refuses that model), not the thread
            task.result().completeExceptionally(t);
        }
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
        } catch (InferenceException e) {
            LOG.errorf(e, "batch of %d requests failed on %s", jobs.size(), model);
            jobs.forEach(j -> j.result().completeExceptionally(e));
        } catch (Throwable t) {
            // an Error (out of memory, a native failure) fails this batch's callers, not the thread
            LOG.errorf(t, "batch of %d requests failed on %s", jobs.size(), model);
            InferenceException failed = InferenceException.failed("the engine failed: " + t, t);
            jobs.forEach(j -> j.result().completeExceptionally(failed));
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
