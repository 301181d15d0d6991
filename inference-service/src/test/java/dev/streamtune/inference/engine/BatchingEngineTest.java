package dev.streamtune.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.ModelHolder;
import dev.streamtune.inference.support.FaultyRunner;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine thread under a runtime call that hangs or throws an Error: bounded, observable, never silently dead. */
class BatchingEngineTest {

    @TempDir
    Path tmp;

    private ServiceHarness models;
    private FaultyRunner runner;
    private final ModelHolder holder = new ModelHolder();
    private final InferenceMetrics metrics = InferenceMetrics.inMemory();
    private BatchingEngine engine;

    @BeforeEach
    void setUp() throws Exception {
        models = new ServiceHarness(Map.of(), tmp, ServiceHarness.Options.small());
        FaultyRunner.Wrapped faulty = FaultyRunner.wrap(models.loader.load(
                TestModels.publish(models.store, models.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
        runner = faulty.runner();
        holder.swap(faulty.model());
        engine = new BatchingEngine(
                        holder, new BatchClassifier(models.classifier.planner(), metrics), Duration.ofMillis(1), 10)
                .start();
    }

    @AfterEach
    void tearDown() throws Exception {
        runner.release();
        engine.close();
        holder.close();
        models.close();
    }

    @Test
    void shouldRefuseWaitingTextsPastTheBoundAtOnceButTakeTheStreamsBatches() throws Exception {
        runner.on("zebra", FaultyRunner.Fault.HANG, 1);
        CompletableFuture<EngineResult> hung = engine.submit(List.of("a zebra"), true);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> engine.health().busyFor().toMillis() > 0);

        CompletableFuture<EngineResult> queued = engine.submit(texts(8), true);
        CompletableFuture<EngineResult> refused = engine.submit(texts(3), true);
        CompletableFuture<EngineResult> stream = engine.submit(texts(50), false);

        assertThat(refused).isCompletedExceptionally();
        assertThat(cause(refused)).isInstanceOf(EngineOverloadedException.class).hasMessageContaining("at most 10");
        assertThat(engine.health().queuedTexts()).isEqualTo(8);
        runner.release();
        assertThat(hung.get(30, TimeUnit.SECONDS).outcomes()).hasSize(1);
        assertThat(queued.get(30, TimeUnit.SECONDS).outcomes()).hasSize(8);
        assertThat(stream.get(30, TimeUnit.SECONDS).outcomes()).hasSize(50);
        assertThat(engine.health().queuedTexts()).isZero();
    }

    @Test
    void shouldSkipTextsWhoseCallerGaveUp() throws Exception {
        runner.on("zebra", FaultyRunner.Fault.HANG, 1);
        CompletableFuture<EngineResult> hung = engine.submit(List.of("a zebra"), false);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> engine.health().busyFor().toMillis() > 0);
        CompletableFuture<EngineResult> abandoned = engine.submit(texts(5), false);
        CompletableFuture<EngineResult> wanted = engine.submit(List.of("still wanted"), false);
        abandoned.cancel(false);

        runner.release();
        hung.get(30, TimeUnit.SECONDS);
        wanted.get(30, TimeUnit.SECONDS);

        assertThat(textsClassified()).as("the abandoned five never ran").isEqualTo(2.0);
    }

    @Test
    void shouldReportABatchThatRunsTooLongAndStayAliveAfterAnError() throws Exception {
        runner.on("zebra", FaultyRunner.Fault.HANG, 1).on("lion", FaultyRunner.Fault.OUT_OF_MEMORY, 1);
        engine.submit(List.of("a zebra"), false);
        await().atMost(Duration.ofSeconds(10))
                .until(() -> engine.health().busyFor().toMillis() > 300);
        assertThat(engine.health().alive()).isTrue();
        runner.release();
        await().atMost(Duration.ofSeconds(10))
                .until(() -> engine.health().busyFor().isZero());

        // the classifier isolates the text; it fails once as a group, then runs alone
        EngineResult result = engine.submit(List.of("one lion", "fine"), false).get(30, TimeUnit.SECONDS);

        assertThat(result.outcomes()).allSatisfy(o -> assertThat(o).isInstanceOf(ClassifyOutcome.Success.class));
        assertThat(engine.health().alive()).isTrue();
        assertThat(engine.health().failure()).isEmpty();
    }

    private double textsClassified() {
        return metrics.registry()
                .find("streamtune.inference.batch.size")
                .summary()
                .totalAmount();
    }

    private static List<String> texts(int n) {
        return java.util.stream.IntStream.range(0, n).mapToObj(i -> "text " + i).toList();
    }

    private static Throwable cause(CompletableFuture<?> future) {
        try {
            future.get();
            throw new AssertionError("completed normally");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }
}
