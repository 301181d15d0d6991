package dev.streamtune.trainer.bert.bench;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.checkpoint.CheckpointLoader;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import dev.streamtune.trainer.bert.evaluation.OnnxTextClassifier;
import dev.streamtune.trainer.bert.export.BertArtifactExporter;
import dev.streamtune.trainer.bert.export.ExportedModel;
import dev.streamtune.trainer.bert.model.InferenceMode;
import dev.streamtune.trainer.bert.training.BertFineTuner;
import dev.streamtune.trainer.bert.training.DeviceSelector;
import dev.streamtune.trainer.bert.training.FineTuneListener;
import dev.streamtune.trainer.bert.training.FineTuneResult;
import dev.streamtune.trainer.bert.training.FineTuneSettings;
import dev.streamtune.trainer.bert.training.FineTuneStrategy;
import dev.streamtune.trainer.bert.training.HugePages;
import dev.streamtune.trainer.bert.training.TrainingProgress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures, in one run and on one machine: the GEMM ceiling (a large matmul), fine-tuning throughput and MFU (6 ·
 * non-embedding parameters · tokens per step ÷ step time ÷ GEMM ceiling), full vs head-only fine-tuning time, and ONNX
 * Runtime inference throughput of the exported model at batch 1/8/32 for 64 and 128 tokens, float and int8 graphs
 * alternately, with their ratio. Medians throughout.
 */
@Command(
        name = "bench",
        mixinStandardHelpOptions = true,
        description = "Benchmarks fine-tuning (seq/s, MFU against a measured GEMM ceiling, full vs head-only) and ONNX"
                + " Runtime inference of the exported model; prints one JSON object on the last line of stdout.")
public final class BenchCommand implements Callable<Integer> {

    /** Words that are one token each in the BERT uncased vocabulary: texts of an exact token count. */
    private static final String[] WORDS = {
        "the", "of", "and", "to", "in", "is", "was", "for", "on", "that", "with", "as", "by", "at", "from", "his", "it",
        "an", "were", "are", "which", "this", "be", "or", "has", "had", "first", "one", "their", "its"
    };

    @Option(names = "--base-model", defaultValue = "minilm", description = "Base model (default ${DEFAULT-VALUE}).")
    String baseModel;

    @Option(names = "--layers", description = "Encoder layers kept (default: all).")
    Integer layers;

    @Option(
            names = "--seq-length",
            defaultValue = "64",
            description = "Training tokens per text (default ${DEFAULT-VALUE}).")
    int seqLength;

    @Option(names = "--batch-size", defaultValue = "16", description = "Training batch (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--steps", defaultValue = "10", description = "Timed training steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--warmup", defaultValue = "3", description = "Untimed warm-up steps (default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--device", defaultValue = "cpu", description = "Training device (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--gemm-size", defaultValue = "2048", description = "Matrix size of the GEMM ceiling.")
    int gemmSize;

    @Option(
            names = "--no-word-embedding-comparison",
            description = "Skip the run that also trains the word embeddings.")
    boolean skipWordEmbeddings;

    @Option(names = "--inference-seconds", defaultValue = "3", description = "Time per inference measurement.")
    double inferenceSeconds;

    private final Map<String, Object> report = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        report.put("device", device);
        report.put("cpus", Runtime.getRuntime().availableProcessors());
        // PyTorch's transparent-huge-page allocation (read once by libtorch): bench runs with and without it compare
        report.put("thpMemAllocEnable", String.valueOf(System.getenv("THP_MEM_ALLOC_ENABLE")));
        report.put("thpNodeMode", HugePages.nodeMode(HugePages.MODE_FILE).orElse("unknown"));
        double gflopsBefore = gemmCeiling("Before");
        PretrainedBert base = CheckpointLoader.load(BaseModelSource.parse(baseModel));
        List<LabeledText> train = texts(batchSize * (warmup + steps), seqLength, 1);
        List<LabeledText> validation = texts(batchSize, seqLength, 2);
        FineTuneSettings settings = FineTuneSettings.builder()
                .optBaseModel(BaseModelSource.preloaded(base))
                .optLayers(layers)
                .optMaxLength(seqLength)
                .optBatchSize(batchSize)
                .optEpochs(1)
                .optStrategy(FineTuneStrategy.FULL)
                .optDevice(device)
                .build();
        BertFineTuner tuner = new BertFineTuner();
        Path exportDir = Files.createTempDirectory("streamtune-bench-");
        try {
            double fullStep;
            long nonEmbedding;
            ExportedModel exported;
            try (FineTuneResult full = timedFit(tuner, train, validation, settings)) {
                fullStep = lastMedianStepSeconds;
                nonEmbedding = full.classifier().block().parameters().entrySet().stream()
                        .filter(e -> !e.getKey().startsWith("embeddings."))
                        .mapToLong(e -> e.getValue().getArray().size())
                        .sum();
                report.put("layers", full.classifier().config().numHiddenLayers());
                report.put("nonEmbeddingParameters", nonEmbedding);
                exported = BertArtifactExporter.export(full.classifier(), exportDir, null, Map.of("bench", true));
                report.put("exportParityMaxAbsDiff", exported.parityMaxAbsDiff());
            }
            // measured before and after the training runs; the higher one is the ceiling
            double gflops = Math.max(gflopsBefore, gemmCeiling("After"));
            report.put("gemmGflops", gflops);
            double tokensPerStep = (double) batchSize * seqLength;
            double fullSeqPerSec = batchSize / fullStep;
            double mfu = 6.0 * nonEmbedding * tokensPerStep / fullStep / (gflops * 1e9);
            report.put("fullStepSeconds", fullStep);
            report.put("fullSeqPerSec", fullSeqPerSec);
            report.put("mfu", mfu);
            log(
                    "full fine-tuning (word embeddings frozen): %.3f s/step, %.1f seq/s at %d tokens x %d, MFU %.2f",
                    fullStep, fullSeqPerSec, seqLength, batchSize, mfu);
            if (!skipWordEmbeddings) {
                try (FineTuneResult all = timedFit(
                        tuner,
                        train,
                        validation,
                        settings.toBuilder().optTrainWordEmbeddings(true).build())) {
                    double step = lastMedianStepSeconds;
                    report.put("fullWithWordEmbeddingsTrainable", trainableParameters(all));
                    report.put("fullWithWordEmbeddingsSeqPerSec", batchSize / step);
                    report.put("wordEmbeddingStepOverhead", step / fullStep - 1);
                    log(
                            "full fine-tuning with word embeddings trained: %.3f s/step, %.1f seq/s (+%.0f%% per step)",
                            step, batchSize / step, 100 * (step / fullStep - 1));
                }
            }
            headOnly(tuner, train, validation, settings, fullSeqPerSec);
            inference(exported);
        } finally {
            try (var paths = Files.walk(exportDir)) {
                for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.delete(p);
                }
            }
        }
        System.out.println(Json.mapper().writeValueAsString(report));
        return 0;
    }

    /**
     * The best rate of a large float32 matmul, as GFLOP/s: the ceiling MFU is measured against. The best, not the
     * median, because a ceiling is what the hardware can do; on a shared CPU the median is what neighbours left.
     */
    @SuppressWarnings("try") // scope guard: entering and closing it is the point
    private double gemmCeiling(String when) {
        Engine engine = Engine.getEngine("PyTorch");
        Device dev = DeviceSelector.resolve(device, engine)[0];
        List<Double> rates = new ArrayList<>();
        try (NDManager manager = NDManager.newBaseManager(dev, "PyTorch");
                InferenceMode ignored = InferenceMode.enter()) {
            NDArray a = manager.randomUniform(-1, 1, new Shape(gemmSize, gemmSize));
            NDArray b = manager.randomUniform(-1, 1, new Shape(gemmSize, gemmSize));
            for (int i = 0; i < 10; i++) {
                long t0 = System.nanoTime();
                try (NDArray c = a.matMul(b)) {
                    c.getFloat(0, 0); // forces completion on a GPU
                }
                double seconds = (System.nanoTime() - t0) / 1e9;
                if (i >= 2) {
                    rates.add(2.0 * gemmSize * gemmSize * gemmSize / seconds / 1e9);
                }
            }
        }
        double best = rates.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
        report.put("gemmGflops" + when, best);
        report.put("gemmGflopsMedian" + when, median(rates));
        log(
                "GEMM ceiling (%s): best %.1f GFLOP/s, median %.1f (%d float32 %dx%d matmuls on %s)",
                when, best, median(rates), rates.size(), gemmSize, gemmSize, dev);
        return best;
    }

    private double lastMedianStepSeconds;

    /** Fine-tunes one epoch, timing each step between listener callbacks; keeps the median after warm-up. */
    private FineTuneResult timedFit(
            BertFineTuner tuner, List<LabeledText> train, List<LabeledText> validation, FineTuneSettings settings) {
        List<Double> stepSeconds = new ArrayList<>();
        long[] last = {System.nanoTime()};
        FineTuneListener timer = new FineTuneListener() {
            @Override
            public void onPhase(String phase, String message) {
                last[0] = System.nanoTime();
            }

            @Override
            public void onStep(TrainingProgress progress) {
                long now = System.nanoTime();
                if (progress.step() > warmup) {
                    stepSeconds.add((now - last[0]) / 1e9);
                }
                last[0] = now;
            }
        };
        FineTuneResult result = tuner.fit(train, validation, List.of("a", "b"), settings, timer, null);
        lastMedianStepSeconds = median(stepSeconds);
        return result;
    }

    private void headOnly(
            BertFineTuner tuner,
            List<LabeledText> train,
            List<LabeledText> validation,
            FineTuneSettings settings,
            double fullSeqPerSec) {
        int epochs = 3;
        long t0 = System.nanoTime();
        try (FineTuneResult head = tuner.fit(
                train,
                validation,
                List.of("a", "b"),
                settings.toBuilder()
                        .optStrategy(FineTuneStrategy.HEAD_ONLY)
                        .optHeadOnlyEpochs(epochs)
                        .optPatience(epochs)
                        .build(),
                null,
                null)) {
            double seconds = (System.nanoTime() - t0) / 1e9;
            report.put("headOnlyTrainable", trainableParameters(head));
            double fullSeconds = epochs * train.size() / fullSeqPerSec;
            report.put("headOnlySecondsFor3Epochs", seconds);
            report.put("fullSecondsFor3Epochs", fullSeconds);
            report.put("headOnlySpeedup", fullSeconds / seconds);
            log(
                    "%d epochs over %d texts: head-only %.1f s (encoder run once, then the head) vs full fine-tuning"
                            + " %.1f s: %.1fx faster",
                    epochs, train.size(), seconds, fullSeconds, fullSeconds / seconds);
        }
    }

    /**
     * ONNX Runtime throughput of the exported float graph and, when the export kept it, of its int8 graph: the two are
     * timed alternately on the same batches so that load from neighbours hits both, and their ratio is printed.
     */
    private void inference(ExportedModel exported) {
        List<Map<String, Object>> rows = new ArrayList<>();
        List<Double> int8Ratios = new ArrayList<>();
        Path dir = exported.dir();
        ModelManifest manifest = exported.manifest("bench", 0, null, null, null, null, Instant.EPOCH);
        Path int8File = dir.resolve(ModelArtifact.INT8_MODEL_FILE);
        try (OnnxTextClassifier onnx = OnnxTextClassifier.open(
                        dir.resolve(ModelArtifact.MODEL_FILE), dir.resolve(ModelArtifact.TOKENIZER_FILE), manifest);
                OnnxTextClassifier int8 = Files.isRegularFile(int8File)
                        ? OnnxTextClassifier.open(int8File, dir.resolve(ModelArtifact.TOKENIZER_FILE), manifest)
                        : null) {
            for (int length : new int[] {64, 128}) {
                for (int batch : new int[] {1, 8, 32}) {
                    TokenBatch tokens = syntheticBatch(batch, length);
                    for (int i = 0; i < 2; i++) {
                        onnx.predict(tokens);
                        if (int8 != null) {
                            int8.predict(tokens);
                        }
                    }
                    List<Double> times = new ArrayList<>();
                    List<Double> int8Times = new ArrayList<>();
                    long end = System.nanoTime() + (long) (inferenceSeconds * 1e9) * (int8 == null ? 1 : 2);
                    while (times.size() < 5 || System.nanoTime() < end) {
                        times.add(seconds(onnx, tokens));
                        if (int8 != null) {
                            int8Times.add(seconds(int8, tokens));
                        }
                    }
                    double seqPerSec = batch / median(times);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("tokens", length);
                    row.put("batch", batch);
                    row.put("seqPerSec", seqPerSec);
                    if (int8 == null) {
                        log("ONNX Runtime inference: %3d tokens, batch %2d: %.1f seq/s", length, batch, seqPerSec);
                    } else {
                        double int8SeqPerSec = batch / median(int8Times);
                        double ratio = int8SeqPerSec / seqPerSec;
                        row.put("int8SeqPerSec", int8SeqPerSec);
                        row.put("int8Speedup", ratio);
                        if (batch >= 8) {
                            int8Ratios.add(ratio);
                        }
                        log(
                                "ONNX Runtime inference: %3d tokens, batch %2d: fp32 %.1f seq/s, int8 %.1f seq/s,"
                                        + " int8/fp32 %.2fx (medians of %d)",
                                length, batch, seqPerSec, int8SeqPerSec, ratio, times.size());
                    }
                    rows.add(row);
                }
            }
        }
        report.put("onnxRuntimeInference", rows);
        if (!int8Ratios.isEmpty()) {
            report.put("int8SpeedupMedian", median(int8Ratios));
            report.put("int8MaxAbsProbabilityDiff", exported.int8().maxAbsProbabilityDiff());
            report.put("int8Top1Agreement", exported.int8().top1Agreement());
            log(
                    "int8 vs fp32 (batch 8-32 x 64-128 tokens): median speed-up %.2fx (goal >= 1.8x); parity texts:"
                            + " max |dp| %.4f, top-1 agreement %.2f",
                    median(int8Ratios),
                    exported.int8().maxAbsProbabilityDiff(),
                    exported.int8().top1Agreement());
        }
    }

    private static double seconds(OnnxTextClassifier model, TokenBatch tokens) {
        long t0 = System.nanoTime();
        model.predict(tokens);
        return (System.nanoTime() - t0) / 1e9;
    }

    private static long trainableParameters(FineTuneResult result) {
        return result.classifier().block().parameters().values().stream()
                .filter(ai.djl.nn.Parameter::requiresGradient)
                .mapToLong(p -> p.getArray().size())
                .sum();
    }

    /** Texts of exactly {@code tokens} tokens ([CLS] and [SEP] included), labels alternating. */
    static List<LabeledText> texts(int count, int tokens, long seed) {
        Random random = new Random(seed);
        List<LabeledText> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            StringBuilder text = new StringBuilder();
            for (int w = 0; w < tokens - 2; w++) {
                text.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
            }
            out.add(new LabeledText(text.toString(), i % 2 == 0 ? "a" : "b"));
        }
        return out;
    }

    private static TokenBatch syntheticBatch(int batch, int length) {
        Random random = new Random(batch * 1000L + length);
        long[] ids = new long[batch * length];
        long[] mask = new long[ids.length];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 1000 + random.nextInt(28000);
            mask[i] = 1;
        }
        return new TokenBatch(batch, length, ids, mask, new long[ids.length]);
    }

    static double median(List<Double> values) {
        if (values.isEmpty()) {
            return Double.NaN;
        }
        double[] sorted = values.stream().mapToDouble(Double::doubleValue).toArray();
        Arrays.sort(sorted);
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static void log(String format, Object... args) {
        System.err.println("[bench] " + String.format(Locale.ROOT, format, args));
    }
}
