package dev.streamtune.inference.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.ArtifactStores;
import dev.streamtune.inference.model.LoadedModel;
import dev.streamtune.inference.model.ModelLoadException;
import dev.streamtune.inference.model.ModelLoader;
import dev.streamtune.inference.support.CallRecorder;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestModels;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new version's warm-up and self-checks go through the engine between served batches: while it loads under a
 * steady load, the version in service keeps serving and no two ONNX Runtime calls ever run at once. The first version
 * (nothing served yet: start-up, restart) does not wait for the engine: it loads on the loader's thread, batched.
 */
class CandidateInferenceTest {

    private static final String MODEL = ServiceHarness.MODEL;
    private static final int WARMUP_RUNS = 4;

    @TempDir
    Path tmp;

    private ServiceHarness service;
    // every call takes 20 ms more, so that calls which may overlap do (the tiny model alone takes about 1 ms)
    private final CallRecorder recorder = new CallRecorder(Duration.ofMillis(20));
    private final ConcurrentLinkedQueue<EngineResult> served = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<Throwable> servingFailures = new ConcurrentLinkedQueue<>();
    private final List<Thread> feeders = new ArrayList<>();
    private volatile boolean feeding = true;

    // the texts of each call the loader made to its candidate classifier, in order
    private final List<List<String>> loaderCalls = new CopyOnWriteArrayList<>();

    @BeforeEach
    void setUp() throws Exception {
        service = new ServiceHarness(Map.of(), tmp, ServiceHarness.Options.small());
    }

    private void serveV1() throws Exception {
        LoadedModel v1 = service.loader.load(
                TestModels.publish(service.store, service.workDir, TestModels.Spec.valid(MODEL, 1)));
        service.holder.swap(recorder.wrap(v1, "v1"));
    }

    @AfterEach
    void tearDown() throws Exception {
        feeding = false;
        for (Thread feeder : feeders) {
            feeder.join(30_000);
        }
        service.close();
    }

    @Test
    void shouldLoadTheFirstVersionOnTheLoadersThreadInBatchedCallsWhileNothingIsServed() throws Exception {
        String loaderThread = Thread.currentThread().getName();

        LoadedModel v1 = candidateLoader()
                .load(TestModels.publish(service.store, service.workDir, TestModels.Spec.valid(MODEL, 1)));

        assertThat(v1.version()).isEqualTo(1);
        // not through the engine's queue: every runtime call on the loader's own thread, none on the engine's
        assertThat(recorder.calls("v1")).isNotEmpty();
        assertThat(recorder.calls("v1")).extracting(CallRecorder.Call::thread).containsOnly(loaderThread);
        // warm-up batched as before the engine ran it: both texts in one call per run, then the self-checks
        assertThat(loaderCalls).hasSize(WARMUP_RUNS + 1);
        assertThat(loaderCalls.subList(0, WARMUP_RUNS))
                .allSatisfy(texts -> assertThat(texts).hasSize(2));

        // once it serves, the next version's calls go between its batches, one warm-up text per call
        service.holder.swap(recorder.wrap(v1, "v1"));
        loaderCalls.clear();
        LoadedModel v2 = candidateLoader()
                .load(TestModels.publish(service.store, service.workDir, TestModels.Spec.valid(MODEL, 2)));
        assertThat(recorder.calls("v2"))
                .extracting(CallRecorder.Call::thread)
                .containsOnly("streamtune-inference-engine");
        assertThat(loaderCalls).hasSize(2 * WARMUP_RUNS + 1);
        assertThat(loaderCalls.subList(0, 2 * WARMUP_RUNS))
                .allSatisfy(texts -> assertThat(texts).hasSize(1));
        v2.release();
    }

    @Test
    void shouldRunTheNewVersionsWarmUpAndSelfChecksBetweenServedBatchesNeverAlongsideThem() throws Exception {
        serveV1();
        startLoad();
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.calls("v1").size() >= 5);

        LoadedModel v2 = candidateLoader()
                .load(TestModels.publish(service.store, service.workDir, TestModels.Spec.valid(MODEL, 2)));
        int servedWhileLoading = served.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> served.size() > servedWhileLoading + 2);
        stopLoad();

        assertThat(v2.version()).isEqualTo(2);
        assertThat(servingFailures).isEmpty();
        List<CallRecorder.Call> candidate = recorder.calls("v2");
        assertThat(candidate.size()).isGreaterThan(WARMUP_RUNS); // warm-up runs and the self-check
        assertThat(recorder.maxInFlight()).as("runtime calls in flight at once").isEqualTo(1);
        assertThat(recorder.calls()).extracting(CallRecorder.Call::thread).containsOnly("streamtune-inference-engine");
        // and v1 went on serving in between: batches ran after the first candidate call and before the last one
        long firstCandidateEnd = candidate.get(0).endNanos();
        long lastCandidateStart = candidate.get(candidate.size() - 1).startNanos();
        assertThat(recorder.calls("v1"))
                .anyMatch(c -> c.startNanos() >= firstCandidateEnd && c.endNanos() <= lastCandidateStart);
        assertThat(served).allMatch(r -> r.version() == 1);
        v2.release();
    }

    @Test
    void shouldRefuseANewVersionWhoseSelfCheckFailsOnTheEngineAndKeepServingTheOldOne() throws Exception {
        serveV1();
        startLoad();
        await().atMost(Duration.ofSeconds(30)).until(() -> recorder.calls("v1").size() >= 5);

        assertThatThrownBy(() -> candidateLoader()
                        .load(TestModels.publish(
                                service.store,
                                service.workDir,
                                TestModels.Spec.valid(MODEL, 2).withWrongSelfCheck())))
                .isInstanceOfSatisfying(ModelLoadException.class, e -> {
                    assertThat(e.stage()).isEqualTo(ModelLoadException.Stage.SELF_CHECK);
                    assertThat(e.isTransient()).isFalse();
                });
        int servedAfterRefusal = served.size();
        await().atMost(Duration.ofSeconds(30)).until(() -> served.size() > servedAfterRefusal + 2);
        stopLoad();

        assertThat(servingFailures).isEmpty();
        assertThat(service.holder.version()).isEqualTo(1);
        assertThat(recorder.maxInFlight()).isEqualTo(1);
    }

    @Test
    void shouldReportAStoppedEngineAsATransientLoadFailure() throws Exception {
        serveV1();
        service.engine.close();

        assertThatThrownBy(() -> candidateLoader()
                        .load(TestModels.publish(service.store, service.workDir, TestModels.Spec.valid(MODEL, 2))))
                .isInstanceOfSatisfying(ModelLoadException.class, e -> {
                    assertThat(e.stage()).isEqualTo(ModelLoadException.Stage.WARMUP);
                    assertThat(e.isTransient()).isTrue();
                });
    }

    /**
     * A loader like the service's, whose candidates' runtime calls are recorded as {@code v<version>} and whose calls
     * to the candidate classifier in {@link #loaderCalls}.
     */
    private ModelLoader candidateLoader() {
        CandidateClassifier onEngine = service.engine.betweenBatches(
                new BatchClassifier(service.classifier.planner(), InferenceMetrics.inMemory()));
        CandidateClassifier recorded = new CandidateClassifier() {
            @Override
            public List<ClassifyOutcome> classify(LoadedModel candidate, List<String> texts) throws InferenceException {
                loaderCalls.add(List.copyOf(texts));
                return onEngine.classify(recorder.wrap(candidate, "v" + candidate.version()), texts);
            }

            @Override
            public boolean sharesTheEngine() {
                return onEngine.sharesTheEngine();
            }
        };
        return new ModelLoader(
                ArtifactStores.of(Map.of("file", service.store)),
                new ArtifactVerifier(TestModels.signer()),
                recorded,
                new ModelLoader.Settings(
                        tmp.resolve("candidates"),
                        1e-4,
                        WARMUP_RUNS,
                        ServiceHarness.Options.small().onnx()));
    }

    /** Two callers that each keep a batch of stream texts in the engine, as the stream loop does under load. */
    private void startLoad() {
        for (int f = 0; f < 2; f++) {
            Thread feeder = new Thread(
                    () -> {
                        List<String> texts = List.of("a short text", "another text to classify", "third", "four");
                        while (feeding) {
                            try {
                                served.add(service.engine.submit(texts, false).get(30, TimeUnit.SECONDS));
                            } catch (Exception e) {
                                servingFailures.add(e);
                            }
                        }
                    },
                    "feeder-" + f);
            feeders.add(feeder);
            feeder.start();
        }
    }

    private void stopLoad() throws InterruptedException {
        feeding = false;
        for (Thread feeder : feeders) {
            feeder.join(30_000);
        }
    }
}
