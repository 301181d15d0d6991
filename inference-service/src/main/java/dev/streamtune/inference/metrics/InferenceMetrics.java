package dev.streamtune.inference.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** The service's Micrometer meters (Prometheus names: {@code streamtune_inference_*}). */
public final class InferenceMetrics {

    private final MeterRegistry registry;
    private final DistributionSummary batchSize;
    private final DistributionSummary paddingRatio;
    private final Counter realTokens;
    private final Counter tensorCells;
    private final Timer inference;
    private final Timer latency;
    private final Counter predicted;
    private final Counter reviewed;
    private final Counter deadLettered;
    private final Counter committed;
    private final Timer commit;
    private final Counter aborted;
    private final Counter swaps;
    private final Counter swapsRejected;

    public InferenceMetrics(MeterRegistry registry) {
        this.registry = registry;
        this.batchSize = DistributionSummary.builder("streamtune.inference.batch.size")
                .description("Texts per ONNX Runtime call")
                .publishPercentileHistogram()
                .minimumExpectedValue(1.0)
                .maximumExpectedValue(4096.0)
                .register(registry);
        this.paddingRatio = DistributionSummary.builder("streamtune.inference.padding.ratio")
                .description("Padding cells over all cells of each ONNX Runtime call")
                .register(registry);
        this.realTokens = Counter.builder("streamtune.inference.tokens")
                .description("Tokens the model read")
                .register(registry);
        this.tensorCells = Counter.builder("streamtune.inference.tensor.cells")
                .description("Tokens plus padding sent to the model")
                .register(registry);
        this.inference = Timer.builder("streamtune.inference.onnx")
                .description("ONNX Runtime time per call")
                .register(registry);
        this.latency = Timer.builder("streamtune.inference.latency")
                .description("From the input record's timestamp to its prediction being sent")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(2))
                .register(registry);
        this.commit = Timer.builder("streamtune.inference.commit")
                .description("Producing a transaction's outputs and committing it with its offsets")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(60))
                .register(registry);
        this.predicted = records("predicted");
        this.reviewed = records("review");
        this.deadLettered = records("dead-letter");
        this.committed = Counter.builder("streamtune.inference.transactions")
                .tag("result", "committed")
                .register(registry);
        this.aborted = Counter.builder("streamtune.inference.transactions")
                .tag("result", "aborted")
                .register(registry);
        this.swaps = Counter.builder("streamtune.inference.swaps")
                .tag("result", "swapped")
                .register(registry);
        this.swapsRejected = Counter.builder("streamtune.inference.swaps")
                .tag("result", "rejected")
                .register(registry);
    }

    /** Meters kept in memory only (benchmarks, tests). */
    public static InferenceMetrics inMemory() {
        return new InferenceMetrics(new SimpleMeterRegistry());
    }

    private Counter records(String outcome) {
        return Counter.builder("streamtune.inference.records")
                .description("Input records by outcome")
                .tag("outcome", outcome)
                .register(registry);
    }

    /** Publishes the version in service as {@code streamtune_inference_model_version{model=...}}. */
    public void modelVersion(String model, Supplier<Long> version) {
        Gauge.builder("streamtune.inference.model.version", version, v -> {
                    Long current = v.get();
                    return current == null ? -1 : current;
                })
                .description("Model version in service, -1 before the first")
                .tag("model", model)
                .strongReference(true)
                .register(registry);
    }

    /**
     * Publishes which graph is in service as {@code streamtune_inference_model_int8{model=...}}: 1 for the int8 graph,
     * 0 for the float one, -1 before the first model.
     */
    public void modelGraph(String model, Supplier<String> graph) {
        Gauge.builder("streamtune.inference.model.int8", graph, g -> {
                    String current = g.get();
                    return current == null ? -1 : "int8".equals(current) ? 1 : 0;
                })
                .description("1 while the int8 graph of the model is in service, 0 for fp32, -1 before the first")
                .tag("model", model)
                .strongReference(true)
                .register(registry);
    }

    /**
     * Where a record's time goes before its transaction commits (the stream loop; the commit is {@link #commit}):
     * Prometheus {@code streamtune_inference_stage_seconds{stage}}.
     */
    public enum Stage {
        /** From the input record's timestamp to the loop handing it to the engine: in Kafka, polled, in a batch. */
        FETCH("fetch"),
        /** From the batch's hand-over to the engine's result: queued behind other work, tokenized, ONNX Runtime. */
        ENGINE("engine"),
        /** From the engine's result to the loop starting the batch's transaction (the loop was polling). */
        HANDOFF("handoff");

        private final String tag;

        Stage(String tag) {
            this.tag = tag;
        }
    }

    public void stage(Stage stage, long nanos) {
        stageTimer(stage).record(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    }

    /** Recorded stage times since start: {count, total seconds}. */
    public double[] stageTotals(Stage stage) {
        Timer timer = stageTimer(stage);
        return new double[] {timer.count(), timer.totalTime(TimeUnit.SECONDS)};
    }

    /** Commits since start: {count, total seconds}. */
    public double[] commitTotals() {
        return new double[] {commit.count(), commit.totalTime(TimeUnit.SECONDS)};
    }

    private Timer stageTimer(Stage stage) {
        return Timer.builder("streamtune.inference.stage")
                .description("Time in each stage of the stream loop before a record's transaction (README: latency)")
                .tag("stage", stage.tag)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofMinutes(2))
                .register(registry);
    }

    /** Time from beginning a transaction to its commit returning. */
    public void commit(long nanos) {
        commit.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Transactions committed since start. */
    public long commits() {
        return commit.count();
    }

    /** Milliseconds spent producing and committing transactions since start. */
    public double commitMillis() {
        return commit.totalTime(TimeUnit.MILLISECONDS);
    }

    public void subBatch(int size, long tokens, long cells, long nanos) {
        batchSize.record(size);
        realTokens.increment(tokens);
        tensorCells.increment(cells);
        paddingRatio.record(cells == 0 ? 0 : 1.0 - (double) tokens / cells);
        inference.record(nanos, TimeUnit.NANOSECONDS);
    }

    /** Padding cells over all cells sent to the model since start. */
    public double overallPaddingRatio() {
        double cells = tensorCells.count();
        return cells == 0 ? 0 : 1.0 - realTokens.count() / cells;
    }

    public double meanBatchSize() {
        return batchSize.mean();
    }

    /** Tokens the model read since start. */
    public double tokens() {
        return realTokens.count();
    }

    /** Tokens plus padding sent to the model since start. */
    public double tensorCells() {
        return tensorCells.count();
    }

    /** ONNX Runtime calls since start. */
    public long onnxCalls() {
        return batchSize.count();
    }

    /** Seconds spent inside ONNX Runtime since start. */
    public double onnxSeconds() {
        return inference.totalTime(TimeUnit.SECONDS);
    }

    /** Records predicted since start. */
    public double predictedCount() {
        return predicted.count();
    }

    public void latency(long millis) {
        latency.record(Math.max(0, millis), TimeUnit.MILLISECONDS);
    }

    public void predicted(int n) {
        predicted.increment(n);
    }

    public void reviewed(int n) {
        reviewed.increment(n);
    }

    public void deadLettered(int n) {
        deadLettered.increment(n);
    }

    public void transaction(boolean wasCommitted) {
        (wasCommitted ? committed : aborted).increment();
    }

    /** A transactional producer recovered: {@code commit-retry}, {@code abort} or {@code replace}. */
    public void producerRecovery(String action) {
        Counter.builder("streamtune.inference.producer.recoveries")
                .description(
                        "Transactional producer recoveries: commits retried, transactions aborted, producers replaced")
                .tag("action", action)
                .register(registry)
                .increment();
    }

    /** Reading the committed offsets to rewind to timed out and is asked again. */
    public void rewindRetry() {
        Counter.builder("streamtune.inference.consumer.rewind-retries")
                .description("Reads of the committed offsets to rewind to that timed out and were asked again")
                .register(registry)
                .increment();
    }

    /** Records of a poison batch isolated by splitting it: {@code split} per split, {@code isolated} per record. */
    public void poison(String event) {
        Counter.builder("streamtune.inference.poison")
                .description("Poison-batch handling: splits of a failing batch and records isolated")
                .tag("event", event)
                .register(registry)
                .increment();
    }

    public void swap(boolean swapped) {
        (swapped ? swaps : swapsRejected).increment();
    }

    public MeterRegistry registry() {
        return registry;
    }
}
