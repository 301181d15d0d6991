package dev.streamtune.inference.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.common.tokenizer.TokenizedText;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.inference.engine.BatchClassifier;
import dev.streamtune.inference.engine.BatchPlanner;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.ArtifactStores;
import dev.streamtune.inference.model.LoadedModel;
import dev.streamtune.inference.model.ModelLoader;
import dev.streamtune.inference.model.OnnxRuntimes;
import dev.streamtune.inference.stream.ClassifyLoop;
import dev.streamtune.inference.stream.KafkaClientFactory;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestManifests;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import java.net.URI;
import java.nio.LongBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.LockSupport;
import java.util.function.DoubleSupplier;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Throughput, latency, padding and swap-stall figures of the inference service, all measured in one run on one model
 * (MiniLM with a random 2-label head, exported by common's exporter), one thread setting and one text set, against an
 * in-process broker. A command, not a test:
 *
 * <pre>{@code ./mvnw -B -q -pl inference-service -am verify -DskipTests -Pbench [-Dbench.args="--records 640"]}</pre>
 *
 * Options: {@code --records N} (texts per throughput run), {@code --repeats R} (runs per figure, medians printed),
 * {@code --threads T} (ONNX Runtime intra-op threads), {@code --max-batch B} (texts per ONNX Runtime call),
 * {@code --max-records M} (records per transaction), {@code --max-length L},
 * {@code --unbatched-records U}, {@code --load-seconds S}, {@code --load-fraction F} (offered load as a fraction of
 * the measured end-to-end throughput), {@code --runtime raw|djl}, {@code --spinning true|false} (ONNX Runtime's
 * idle worker threads spin-wait for work, its default), {@code --latency-pairs P} (P pairs of latency runs at the same
 * offered load, without then with the loop's latency cap {@code streamtune.stream.max-batch-latency}, off by default,
 * alternating, and full-load runs both ways; medians of the per-pair ratios), {@code --max-batch-latency MS} (the cap
 * those pairs try, 150; every other run uses the service's default, no cap).
 */
public final class InferenceBenchmark {

    private static final String MODEL = ServiceHarness.MODEL;
    private static final JsonSerde<Prediction> PREDICTIONS = JsonSerde.of(Prediction.class);

    private final Map<String, String> options;
    private final int records;
    private final int repeats;
    private final int threads;
    private final int maxBatch;
    private final int maxRecords;
    private final int maxLength;
    private final int unbatchedRecords;
    private final int loadSeconds;
    private final double loadFraction;
    private final OnnxRuntimes.Runtime runtime;
    private final boolean spinning;
    private final Duration maxBatchLatency;
    private final int latencyPairs;
    private int topicSeq;

    private InferenceBenchmark(Map<String, String> options) {
        this.options = options;
        this.records = intOption("records", 640);
        this.repeats = intOption("repeats", 5);
        this.threads = intOption("threads", Runtime.getRuntime().availableProcessors());
        this.maxBatch = intOption("max-batch", 32);
        this.maxRecords = intOption("max-records", 128);
        this.maxLength = intOption("max-length", 128);
        this.unbatchedRecords = intOption("unbatched-records", 100);
        this.loadSeconds = intOption("load-seconds", 16);
        this.loadFraction = Double.parseDouble(options.getOrDefault("load-fraction", "0.5"));
        this.runtime = OnnxRuntimes.Runtime.valueOf(
                options.getOrDefault("runtime", "raw").toUpperCase(java.util.Locale.ROOT));
        this.spinning = Boolean.parseBoolean(options.getOrDefault("spinning", "true"));
        this.maxBatchLatency = Duration.ofMillis(intOption("max-batch-latency", 150));
        this.latencyPairs = intOption("latency-pairs", 0);
    }

    public static void main(String[] args) throws Exception {
        Map<String, String> options = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            options.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        new InferenceBenchmark(options).run();
        System.exit(0);
    }

    private int intOption(String name, int fallback) {
        return Integer.parseInt(options.getOrDefault(name, Integer.toString(fallback)));
    }

    private void run() throws Exception {
        Path tmp = Files.createTempDirectory("streamtune-bench");
        OnnxRuntimes.Settings onnx = new OnnxRuntimes.Settings(runtime, threads, 1, spinning);
        System.out.printf(
                "streamtune inference benchmark: MiniLM-L6 (random 2-label head), %d texts, max batch %d (%d records per"
                        + " transaction), max length %d, %d intra-op threads (spinning %s), runtime %s, %d cores, %d repeats"
                        + " (medians)%n",
                records,
                maxBatch,
                maxRecords,
                maxLength,
                threads,
                spinning,
                runtime,
                Runtime.getRuntime().availableProcessors(),
                repeats);
        List<String> texts = BenchCorpus.generate(records, 42);

        try (EmbeddedKafkaBroker kafka =
                EmbeddedKafkaBroker.builder().optCreateTopics(false).start()) {
            KafkaTestSupport.createTopics(kafka.admin(), 1);
            Map<String, Object> client = kafka.clientProperties();
            ServiceHarness.Options batched =
                    new ServiceHarness.Options(maxBatch, maxRecords, Duration.ofMillis(20), 0.6, onnx);
            try (ServiceHarness service = new ServiceHarness(client, tmp.resolve("batched"), batched)) {
                System.out.println("building MiniLM artifacts v1 and v2 ...");
                ModelRegistryEvent v1 =
                        TestModels.publish(service.store, service.workDir, TestModels.Spec.miniLm(MODEL, 1, maxLength));
                ModelRegistryEvent v2 =
                        TestModels.publish(service.store, service.workDir, TestModels.Spec.miniLm(MODEL, 2, maxLength));
                Path modelDir = Path.of(URI.create(v1.uri()));

                double[] tokenStats = tokenStats(texts);
                System.out.printf(
                        "texts: mean %.1f tokens, p50 %.0f, p90 %.0f, max %.0f (truncated at %d)%n",
                        tokenStats[0], tokenStats[1], tokenStats[2], tokenStats[3], maxLength);

                compareRunners(service, v1, texts, onnx);

                sendRegistry(client, v1);
                service.follower(service.monitoring("bench"), Optional.empty()).start();
                while (!Long.valueOf(1).equals(service.holder.version())) {
                    Thread.sleep(100);
                }
                warmUp(service, texts);
                // raw and end-to-end runs alternate, so both see the same machine; ratios are per pair
                double[] raw = new double[repeats];
                double[] rawSame = new double[repeats];
                double[] e2e = new double[repeats];
                double[] ratio = new double[repeats];
                double tokens0 = service.metrics.tokens();
                double cells0 = service.metrics.tensorCells();
                long calls0 = service.metrics.onnxCalls();
                double predicted0 = service.metrics.predictedCount();
                double busy = 0;
                double wall = 0;
                for (int r = 0; r < repeats; r++) {
                    raw[r] = rawThroughput(modelDir, texts, maxRecords, maxBatch, onnx);
                    rawSame[r] = rawOnServedSession(service, texts, maxRecords, maxBatch);
                    double onnx0 = service.metrics.onnxSeconds();
                    e2e[r] = endToEndThroughput(kafka, service, texts);
                    busy += service.metrics.onnxSeconds() - onnx0;
                    wall += lastRunSeconds;
                    ratio[r] = e2e[r] / raw[r];
                    System.out.printf(
                            "  run %d: raw %.1f texts/s (on the served session %.1f), end-to-end %.1f texts/s,"
                                    + " ratio %.3f%n",
                            r + 1, raw[r], rawSame[r], e2e[r], ratio[r]);
                }
                double padding = 1 - (service.metrics.tokens() - tokens0) / (service.metrics.tensorCells() - cells0);
                double meanCall =
                        (service.metrics.predictedCount() - predicted0) / (service.metrics.onnxCalls() - calls0);
                System.out.printf(
                        "raw ONNX Runtime, batched:      %8.1f texts/s (%.1f on the service's own session)%n",
                        median(raw), median(rawSame));
                System.out.printf("service end-to-end, batched:    %8.1f texts/s%n", median(e2e));
                System.out.printf(
                        "ratio end-to-end / raw:         %8.3f (goal >= 0.90; median of per-run ratios;"
                                + " ONNX Runtime busy %.0f%% of the end-to-end runs)%n",
                        median(ratio), 100 * busy / wall);
                System.out.printf(
                        "padding ratio (service):        %8.3f (pad cells / all cells; mean %.1f texts per ONNX call)%n",
                        padding, meanCall);
                lastE2e = median(e2e);
                lastRaw = median(raw);

                long commitsBefore = service.metrics.commits();
                double commitMillisBefore = service.metrics.commitMillis();
                LatencyRun latency = latencyAndSwap(kafka, service, texts, lastE2e * loadFraction, v2, Duration.ZERO);
                long loadCommits = service.metrics.commits() - commitsBefore;
                System.out.printf(
                        "latency at %.1f texts/s offered (%.0f%% of end-to-end), before the swap: p50 %.0f ms, p99 %.0f"
                                + " ms (input timestamp -> committed prediction seen by a consumer); service-reported"
                                + " p50 %.0f ms, p99 %.0f ms%n",
                        latency.rate,
                        loadFraction * 100,
                        latency.p50,
                        latency.p99,
                        latency.serviceP50,
                        latency.serviceP99);
                System.out.printf(
                        "  where it goes (means per record, before the swap): %s; ONNX Runtime calls of at most %d"
                                + " texts%n",
                        latency.breakdown, maxBatch);
                System.out.printf(
                        "swap v1 -> v2 under that load: longest gap between commits %.0f ms / median %.0f ms = %.1f"
                                + " (v2 fetched, verified, loaded, warmed and checked in %d ms while v1 served;"
                                + " %d predictions by v1, %d by v2, %d transactions)%n",
                        latency.swapMaxGap,
                        latency.medianGap,
                        latency.swapMaxGap / latency.medianGap,
                        latency.swapMillis,
                        latency.byV1,
                        latency.byV2,
                        latency.commits);
                System.out.printf("  %s%n", latency.swapTimeline);
                System.out.printf(
                        "transactions under that load: %d, mean produce+commit %.1f ms each%n",
                        loadCommits,
                        loadCommits == 0 ? 0.0 : (service.metrics.commitMillis() - commitMillisBefore) / loadCommits);
                latencyPairs(kafka, service, texts, lastE2e * loadFraction);
            }

            ServiceHarness.Options single = new ServiceHarness.Options(1, 1, Duration.ZERO, 0.6, onnx);
            try (ServiceHarness service = new ServiceHarness(client, tmp.resolve("single"), single)) {
                service.holder.swap(service.loader.load(TestModels.publish(
                        service.store, service.workDir, TestModels.Spec.miniLm(MODEL, 1, maxLength))));
                List<String> subset = texts.subList(0, unbatchedRecords);
                warmUp(service, subset);
                Path modelDir = Path.of(service.store.uriOf(MODEL, 1));
                double[] rawSingle = new double[repeats];
                double[] unbatched = new double[repeats];
                for (int r = 0; r < repeats; r++) {
                    rawSingle[r] = rawThroughput(modelDir, subset, 1, 1, onnx);
                    unbatched[r] = endToEndThroughput(kafka, service, subset);
                    System.out.printf(
                            "  run %d: raw batch of 1 %.1f texts/s, service unbatched %.1f texts/s%n",
                            r + 1, rawSingle[r], unbatched[r]);
                }
                System.out.printf("raw ONNX Runtime, batch of 1:   %8.1f texts/s%n", median(rawSingle));
                System.out.printf(
                        "service end-to-end, unbatched:  %8.1f texts/s (batch of 1, one transaction per text)%n",
                        median(unbatched));
                System.out.printf(
                        "batching gain: service %.1fx (batched / unbatched end-to-end), raw ONNX Runtime %.1fx%n",
                        lastE2e / median(unbatched), lastRaw / median(rawSingle));
            }
        }
    }

    /**
     * Latency at the same offered load without and with the loop's latency cap, alternating so both see the same
     * machine; then end-to-end throughput at full load (a full topic) both ways, to show the cap lifts at saturation.
     */
    private void latencyPairs(EmbeddedKafkaBroker kafka, ServiceHarness service, List<String> texts, double rate)
            throws Exception {
        if (latencyPairs <= 0 || maxBatchLatency.isZero()) {
            return;
        }
        double[] p50 = new double[latencyPairs];
        double[] p99 = new double[latencyPairs];
        double[] full = new double[latencyPairs];
        for (int pair = 0; pair < latencyPairs; pair++) {
            LatencyRun off = latencyAndSwap(kafka, service, texts, rate, null, Duration.ZERO);
            LatencyRun on = latencyAndSwap(kafka, service, texts, rate, null, maxBatchLatency);
            double fullOff = endToEndThroughput(kafka, service, texts, Duration.ZERO);
            double fullOn = endToEndThroughput(kafka, service, texts, maxBatchLatency);
            p50[pair] = on.p50 / off.p50;
            p99[pair] = on.p99 / off.p99;
            full[pair] = fullOn / fullOff;
            System.out.printf(
                    "  pair %d at %.1f texts/s: no cap p50 %.0f ms, p99 %.0f ms (%s); cap %d ms p50 %.0f ms, p99 %.0f ms"
                            + " (%s); full load %.1f vs %.1f texts/s%n",
                    pair + 1,
                    rate,
                    off.p50,
                    off.p99,
                    off.breakdown,
                    maxBatchLatency.toMillis(),
                    on.p50,
                    on.p99,
                    on.breakdown,
                    fullOff,
                    fullOn);
        }
        System.out.printf(
                "latency cap %d ms / none at the same load, medians of %d pairs: p50 %.2f, p99 %.2f; end-to-end at full"
                        + " load %.3f%n",
                maxBatchLatency.toMillis(), latencyPairs, median(p50), median(p99), median(full));
    }

    private double lastE2e;
    private double lastRaw;
    private double lastRunSeconds;

    /**
     * The serving path (tokenize, bucket, run, arg-max) over the texts in batches of the maximum size, once with the
     * ONNX Runtime session used directly and once through DJL's Predictor, alternating runs.
     */
    private void compareRunners(
            ServiceHarness service, ModelRegistryEvent live, List<String> texts, OnnxRuntimes.Settings onnx)
            throws Exception {
        Map<OnnxRuntimes.Runtime, LoadedModel> models = new java.util.EnumMap<>(OnnxRuntimes.Runtime.class);
        for (OnnxRuntimes.Runtime r : OnnxRuntimes.Runtime.values()) {
            ModelLoader loader = new ModelLoader(
                    ArtifactStores.of(Map.of("file", service.store)),
                    new ArtifactVerifier(TestModels.signer()),
                    new BatchClassifier(service.classifier.planner(), InferenceMetrics.inMemory()),
                    new ModelLoader.Settings(
                            service.workDir.resolve("compare-" + r),
                            1e-4,
                            1,
                            new OnnxRuntimes.Settings(r, onnx.intraOpThreads(), onnx.interOpThreads())));
            models.put(r, loader.load(live));
        }
        BatchClassifier classifier = new BatchClassifier(service.classifier.planner(), InferenceMetrics.inMemory());
        Map<OnnxRuntimes.Runtime, double[]> results = new java.util.EnumMap<>(OnnxRuntimes.Runtime.class);
        models.keySet().forEach(r -> results.put(r, new double[repeats]));
        for (int run = -1; run < repeats; run++) { // run -1 warms both up
            for (var entry : models.entrySet()) {
                long start = System.nanoTime();
                for (int i = 0; i < texts.size(); i += maxRecords) {
                    classifier.classify(entry.getValue(), texts.subList(i, Math.min(texts.size(), i + maxRecords)));
                }
                if (run >= 0) {
                    results.get(entry.getKey())[run] = texts.size() / ((System.nanoTime() - start) / 1e9);
                }
            }
        }
        models.values().forEach(LoadedModel::release);
        System.out.printf(
                "serving path with the raw ORT session: %.1f texts/s; with DJL's Predictor: %.1f texts/s (tokenizing"
                        + " included; runs raw %s, djl %s)%n",
                median(results.get(OnnxRuntimes.Runtime.RAW)),
                median(results.get(OnnxRuntimes.Runtime.DJL)),
                Arrays.toString(results.get(OnnxRuntimes.Runtime.RAW)),
                Arrays.toString(results.get(OnnxRuntimes.Runtime.DJL)));
    }

    /** One untimed pass of the served model over every shape the texts produce, as a long-running service has had. */
    private void warmUp(ServiceHarness service, List<String> texts) throws Exception {
        BatchClassifier classifier = new BatchClassifier(service.classifier.planner(), InferenceMetrics.inMemory());
        LoadedModel model = service.holder.acquire();
        try {
            int batch = service.loopSettings("x").maxRecords();
            for (int i = 0; i < texts.size(); i += batch) {
                classifier.classify(model, texts.subList(i, Math.min(texts.size(), i + batch)));
            }
        } finally {
            model.release();
        }
    }

    private static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private double[] tokenStats(List<String> texts) {
        TextTokenizer tokenizer = TestModels.tokenizer();
        double[] counts = texts.stream()
                .mapToDouble(t -> tokenizer.encode(t, 100_000).tokenCount())
                .sorted()
                .toArray();
        return new double[] {
            Arrays.stream(counts).average().orElse(0),
            counts[counts.length / 2],
            counts[(int) (counts.length * 0.9)],
            counts[counts.length - 1]
        };
    }

    /**
     * ONNX Runtime alone on pre-tokenized texts, in the batches the service forms from a backlog: consecutive runs of
     * {@code batch} texts, each grouped by the same length buckets. Tokenization is not timed.
     */
    private double rawThroughput(Path dir, List<String> texts, int records, int batch, OnnxRuntimes.Settings onnx)
            throws Exception {
        List<TokenBatch> batches = batches(texts, records, batch);
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        OrtSession session = rawSessions.get(dir);
        if (session == null) {
            // one long-lived session, like the service's; its first pass over every shape is not timed
            session = OnnxRuntimes.rawSession(dir.resolve(ModelArtifact.MODEL_FILE), onnx);
            rawSessions.put(dir, session);
            for (TokenBatch b : batches) {
                run(env, session, b);
            }
        }
        long start = System.nanoTime();
        for (TokenBatch b : batches) {
            run(env, session, b);
        }
        return texts.size() / ((System.nanoTime() - start) / 1e9);
    }

    private final Map<Path, OrtSession> rawSessions = new HashMap<>();

    /** The same ONNX Runtime calls on the session the service itself serves with (pre-tokenized, this thread). */
    private double rawOnServedSession(ServiceHarness service, List<String> texts, int records, int batch)
            throws Exception {
        LoadedModel model = service.holder.acquire();
        try {
            List<TokenBatch> batches = batches(texts, records, batch);
            long start = System.nanoTime();
            for (TokenBatch b : batches) {
                model.runner().probabilities(b);
            }
            return texts.size() / ((System.nanoTime() - start) / 1e9);
        } finally {
            model.release();
        }
    }

    /** The ONNX Runtime batches the service forms: runs of {@code records} texts, each planned into groups. */
    private List<TokenBatch> batches(List<String> texts, int records, int batch) {
        TextTokenizer tokenizer = TestModels.tokenizer();
        BatchPlanner planner = new BatchPlanner(batch, List.of(16, 32, 64, 128, 256, 512), batch == 1 ? 1 : 4);
        List<TokenBatch> batches = new ArrayList<>();
        for (int start = 0; start < texts.size(); start += records) {
            List<TokenizedText> chunk = texts.subList(start, Math.min(texts.size(), start + records)).stream()
                    .map(t -> tokenizer.encode(t, maxLength))
                    .toList();
            for (int[] group :
                    planner.plan(chunk.stream().mapToInt(TokenizedText::length).toArray())) {
                batches.add(
                        TokenBatch.pad(Arrays.stream(group).mapToObj(chunk::get).toList(), tokenizer.padTokenId()));
            }
        }
        return batches;
    }

    private static void run(OrtEnvironment env, OrtSession session, TokenBatch b) throws Exception {
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(b.inputIds()), b.shape());
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(b.attentionMask()), b.shape());
                OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(b.tokenTypeIds()), b.shape());
                OrtSession.Result result = session.run(
                        Map.of(
                                ModelArtifact.INPUT_IDS, ids,
                                ModelArtifact.ATTENTION_MASK, mask,
                                ModelArtifact.TOKEN_TYPE_IDS, types),
                        java.util.Set.of(ModelArtifact.PROBABILITIES))) {
            result.get(0);
        }
    }

    /** Two fresh topics per run (texts in, predictions out), so every run starts from an empty backlog. */
    private String[] freshTopics(EmbeddedKafkaBroker kafka) throws Exception {
        int n = ++topicSeq;
        String in = "bench.texts." + n;
        String out = "bench.predictions." + n;
        kafka.admin()
                .createTopics(List.of(new NewTopic(in, 1, (short) 1), new NewTopic(out, 1, (short) 1)))
                .all()
                .get();
        return new String[] {in, out};
    }

    private ClassifyLoop.Settings settings(ServiceHarness service, String[] topics, int batch, Duration cap) {
        ClassifyLoop.Settings base = service.loopSettings("bench-" + topics[0]);
        return new ClassifyLoop.Settings(
                new ClassifyLoop.Topics(
                        topics[0],
                        topics[1],
                        base.topics().review(),
                        base.topics().dlq()),
                "bench-" + topics[0],
                base.transactionalId(),
                base.groupInstanceId(),
                batch,
                base.maxWait(),
                base.pollTimeout(),
                base.reviewThreshold(),
                base.transactionTimeout(),
                base.batchTimeout(),
                base.deadLetterMaxBytes(),
                base.leaveGroupOnClose(),
                cap);
    }

    /**
     * The whole service path: the loop is consuming an empty topic, then every text is produced at once; timed from
     * the first send to the commit of the last prediction.
     */
    private double endToEndThroughput(EmbeddedKafkaBroker kafka, ServiceHarness service, List<String> texts)
            throws Exception {
        return endToEndThroughput(kafka, service, texts, Duration.ZERO);
    }

    private double endToEndThroughput(
            EmbeddedKafkaBroker kafka, ServiceHarness service, List<String> texts, Duration cap) throws Exception {
        String[] topics = freshTopics(kafka);
        ClassifyLoop.Settings settings =
                settings(service, topics, service.loopSettings("x").maxRecords(), cap);
        ClassifyLoop loop =
                service.loop(KafkaClientFactory.standard(), settings).start();
        awaitAssigned(kafka, settings.groupId());
        DoubleSupplier predicted = service.metrics::predictedCount;
        double before = predicted.getAsDouble();
        long startAt = System.nanoTime();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestSupport.producer(kafka.clientProperties())) {
            for (int i = 0; i < texts.size(); i++) {
                producer.send(new ProducerRecord<>(
                        topics[0], ("id-" + i).getBytes(StandardCharsets.UTF_8), json(i, texts.get(i))));
            }
            producer.flush();
        }
        while (predicted.getAsDouble() - before < texts.size()) {
            LockSupport.parkNanos(500_000);
        }
        long endAt = System.nanoTime();
        loop.close();
        lastRunSeconds = (endAt - startAt) / 1e9;
        return texts.size() / lastRunSeconds;
    }

    /** Waits until the loop's consumer group is stable with partitions assigned (group join is not timed). */
    private static void awaitAssigned(EmbeddedKafkaBroker kafka, String groupId) throws Exception {
        long deadline = System.currentTimeMillis() + 60_000;
        while (System.currentTimeMillis() < deadline) {
            org.apache.kafka.clients.admin.ConsumerGroupDescription group;
            try {
                group = kafka.admin()
                        .describeConsumerGroups(List.of(groupId))
                        .all()
                        .get()
                        .get(groupId);
            } catch (java.util.concurrent.ExecutionException e) {
                Thread.sleep(100); // not created yet
                continue;
            }
            if (group.groupState() == org.apache.kafka.common.GroupState.STABLE
                    && group.members().stream()
                            .anyMatch(m -> !m.assignment().topicPartitions().isEmpty())) {
                return;
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException("group " + groupId + " never got its partitions");
    }

    private record LatencyRun(
            double rate,
            double p50,
            double p99,
            double serviceP50,
            double serviceP99,
            double medianGap,
            double swapMaxGap,
            long swapMillis,
            long byV1,
            long byV2,
            int commits,
            String breakdown,
            String swapTimeline) {}

    /** Stage totals {count, seconds} of the loop's stages and its commits, to subtract two snapshots. */
    private static double[][] stageSnapshot(ServiceHarness service) {
        InferenceMetrics.Stage[] stages = InferenceMetrics.Stage.values();
        double[][] totals = new double[stages.length + 3][];
        for (int i = 0; i < stages.length; i++) {
            totals[i] = service.metrics.stageTotals(stages[i]);
        }
        totals[stages.length] = service.metrics.commitTotals();
        totals[stages.length + 1] = new double[] {service.metrics.onnxCalls(), service.metrics.onnxSeconds()};
        totals[stages.length + 2] = new double[] {service.metrics.predictedCount(), System.nanoTime() / 1e9};
        return totals;
    }

    /** Mean milliseconds per stage between two snapshots: where a record's latency goes. */
    private static String breakdown(double[][] before, double[][] after) {
        InferenceMetrics.Stage[] stages = InferenceMetrics.Stage.values();
        StringBuilder out = new StringBuilder();
        for (int i = 0; i <= stages.length; i++) {
            double count = after[i][0] - before[i][0];
            double seconds = after[i][1] - before[i][1];
            String name = i < stages.length
                    ? stages[i].name().toLowerCase(java.util.Locale.ROOT)
                    : "produce+commit (per transaction)";
            out.append(String.format(
                    "%s %.0f ms%s", name, count == 0 ? 0.0 : 1000 * seconds / count, i < stages.length ? ", " : ""));
        }
        int n = stages.length;
        double records = after[0][0] - before[0][0];
        double transactions = after[n][0] - before[n][0];
        double calls = after[n + 1][0] - before[n + 1][0];
        double busy = after[n + 1][1] - before[n + 1][1];
        double texts = after[n + 2][0] - before[n + 2][0];
        double wall = after[n + 2][1] - before[n + 2][1];
        out.append(String.format(
                "; %.1f records per transaction, %.1f texts per ONNX Runtime call, ONNX Runtime busy %.0f%% of the"
                        + " time",
                transactions == 0 ? 0.0 : records / transactions,
                calls == 0 ? 0.0 : texts / calls,
                wall == 0 ? 0.0 : 100 * busy / wall));
        return out.toString();
    }

    /** The loop's clients, with the time of every committed transaction recorded. */
    private static final class CommitRecordingClients implements KafkaClientFactory {
        final ConcurrentLinkedQueue<Long> commits = new ConcurrentLinkedQueue<>();

        @Override
        public org.apache.kafka.clients.consumer.Consumer<byte[], byte[]> consumer(Map<String, Object> config) {
            return KafkaClientFactory.standard().consumer(config);
        }

        @Override
        @SuppressWarnings("unchecked")
        public org.apache.kafka.clients.producer.Producer<byte[], byte[]> producer(Map<String, Object> config) {
            var real = KafkaClientFactory.standard().producer(config);
            return (org.apache.kafka.clients.producer.Producer<byte[], byte[]>)
                    java.lang.reflect.Proxy.newProxyInstance(
                            getClass().getClassLoader(),
                            new Class<?>[] {org.apache.kafka.clients.producer.Producer.class},
                            (proxy, method, args) -> {
                                try {
                                    Object result = method.invoke(real, args);
                                    if (method.getName().equals("commitTransaction")) {
                                        commits.add(System.currentTimeMillis());
                                    }
                                    return result;
                                } catch (java.lang.reflect.InvocationTargetException e) {
                                    throw e.getCause();
                                }
                            });
        }
    }

    /**
     * A fixed offered load for {@code loadSeconds}; halfway through, v2 goes live, and the load goes on until 3 s after
     * the swap. Latency (before the swap) is a committed prediction's arrival at a consumer minus its input's
     * timestamp; output gaps are the times between successive committed transactions, the swap's longest compared
     * with the median before it.
     */
    /** A steady load at {@code rate}; v2 published halfway through, or no swap when null (all of it steady). */
    private LatencyRun latencyAndSwap(
            EmbeddedKafkaBroker kafka,
            ServiceHarness service,
            List<String> texts,
            double rate,
            ModelRegistryEvent v2,
            Duration cap)
            throws Exception {
        String[] topics = freshTopics(kafka);
        CommitRecordingClients clients = new CommitRecordingClients();
        ClassifyLoop.Settings settings = settings(service, topics, maxRecords, cap);
        ClassifyLoop loop = service.loop(clients, settings).start();
        ConcurrentLinkedQueue<long[]> arrivals = new ConcurrentLinkedQueue<>(); // {arrival, input ts, svc latency, ver}
        Thread reader = new Thread(() -> read(kafka, topics[1], arrivals), "bench-reader");
        reader.setDaemon(true);
        reader.start();
        awaitAssigned(kafka, settings.groupId());

        long interval = (long) (1e9 / rate);
        long swapAfter = Math.round(rate * loadSeconds / 2.0);
        double[][] stagesBefore = stageSnapshot(service);
        double[][] stagesAtSwap = null;
        long swapPublishedAt = 0;
        long swapDoneAt = 0;
        long total = 0;
        long startedAt = System.currentTimeMillis();
        try (KafkaProducer<byte[], byte[]> producer = KafkaTestSupport.producer(kafka.clientProperties())) {
            long next = System.nanoTime();
            for (int i = 0; ; i++) {
                long now = System.currentTimeMillis();
                if (swapDoneAt == 0 && swapPublishedAt > 0 && Long.valueOf(2).equals(service.holder.version())) {
                    swapDoneAt = now;
                }
                boolean longEnough = now - startedAt >= loadSeconds * 1000L
                        && (v2 == null || swapDoneAt > 0 && now >= swapDoneAt + 3000);
                if (longEnough || now - startedAt > 180_000) {
                    break;
                }
                producer.send(new ProducerRecord<>(
                        topics[0], ("id-" + i).getBytes(StandardCharsets.UTF_8), json(i, texts.get(i % texts.size()))));
                total++;
                if (i == swapAfter && v2 != null) {
                    stagesAtSwap = stageSnapshot(service);
                    swapPublishedAt = System.currentTimeMillis();
                    sendRegistry(kafka.clientProperties(), v2);
                }
                next += interval;
                LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
            }
        }
        long deadline = System.currentTimeMillis() + 120_000;
        while (arrivals.size() < total && System.currentTimeMillis() < deadline) {
            Thread.sleep(20);
        }
        if (v2 == null) {
            stagesAtSwap = stageSnapshot(service);
            swapPublishedAt = Long.MAX_VALUE; // every record is steady
        }
        loop.close();
        reader.interrupt();
        List<long[]> all = new ArrayList<>(arrivals);
        final long swapStart = swapPublishedAt;
        List<long[]> steady = all.stream().filter(a -> a[1] < swapStart).toList();
        double[] latencies =
                steady.stream().mapToDouble(a -> a[0] - a[1]).sorted().toArray();
        double[] serviceLatencies =
                steady.stream().mapToDouble(a -> a[2]).sorted().toArray();
        long[] commits =
                clients.commits.stream().mapToLong(Long::longValue).sorted().toArray();
        List<Double> steadyGaps = new ArrayList<>();
        double swapMax = 0;
        long windowEnd = swapDoneAt + 1000;
        List<long[]> swapGaps = new ArrayList<>(); // {start after the LIVE record, length}
        for (int i = 1; i < commits.length; i++) {
            double gap = commits[i] - commits[i - 1];
            if (commits[i] < swapPublishedAt) {
                steadyGaps.add(gap);
            } else if (commits[i - 1] <= windowEnd) {
                swapMax = Math.max(swapMax, gap);
                swapGaps.add(new long[] {commits[i - 1] - swapPublishedAt, (long) gap});
            }
        }
        double medianGap =
                median(steadyGaps.stream().mapToDouble(Double::doubleValue).toArray());
        StringBuilder timeline = new StringBuilder();
        for (long[] g : swapGaps) {
            timeline.append(String.format(" %+d:%d", g[0], g[1]));
        }
        long byV1 = all.stream().filter(a -> a[3] == 1).count();
        long byV2 = all.stream().filter(a -> a[3] == 2).count();
        if (all.size() != total) {
            System.out.printf("WARNING: %d predictions for %d texts%n", all.size(), total);
        }
        return new LatencyRun(
                rate,
                percentile(latencies, 0.50),
                percentile(latencies, 0.99),
                percentile(serviceLatencies, 0.50),
                percentile(serviceLatencies, 0.99),
                medianGap,
                swapMax,
                swapDoneAt - swapPublishedAt,
                byV1,
                byV2,
                commits.length,
                stagesAtSwap == null ? "n/a" : breakdown(stagesBefore, stagesAtSwap),
                "gaps from the LIVE record to 1 s after the swap, start:length ms," + timeline + "; v2 in service at +"
                        + (swapDoneAt - swapPublishedAt));
    }

    private static void read(EmbeddedKafkaBroker kafka, String topic, ConcurrentLinkedQueue<long[]> arrivals) {
        Map<String, Object> config = new HashMap<>(kafka.clientProperties());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, 5);
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            var tp = new org.apache.kafka.common.TopicPartition(topic, 0);
            consumer.assign(List.of(tp));
            consumer.seekToBeginning(List.of(tp));
            while (!Thread.currentThread().isInterrupted()) {
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(5))) {
                    long now = System.currentTimeMillis();
                    Prediction p = PREDICTIONS.deserialize(topic, r.value());
                    long inputTs = p.ts().toEpochMilli() - p.latencyMs();
                    arrivals.add(new long[] {now, inputTs, p.latencyMs(), p.version()});
                }
            }
        } catch (org.apache.kafka.common.errors.InterruptException e) {
            // stopped
        }
    }

    private static double percentile(double[] sorted, double q) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1)];
    }

    private static byte[] json(int i, String text) {
        return ("{\"id\":\"id-" + i + "\",\"text\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
    }

    private static void sendRegistry(Map<String, Object> client, ModelRegistryEvent live) {
        try (KafkaProducer<String, ModelRegistryEvent> producer =
                new KafkaProducer<>(client, new StringSerializer(), JsonSerde.of(ModelRegistryEvent.class))) {
            producer.send(new ProducerRecord<>(
                    StreamtuneTopics.MODELS_NAME,
                    ModelRegistryEvent.versionKey(live.name(), live.version()),
                    TestManifests.published(live.manifest(), live.uri(), live.manifestSha256())));
            producer.send(
                    new ProducerRecord<>(StreamtuneTopics.MODELS_NAME, ModelRegistryEvent.liveKey(live.name()), live));
            producer.flush();
        }
    }
}
