package dev.streamtune.trainer.bert.cli;

import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ArtifactWriter;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.dataset.JsonlDatasets;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import dev.streamtune.trainer.bert.evaluation.OnnxTextClassifier;
import dev.streamtune.trainer.bert.export.BertArtifactExporter;
import dev.streamtune.trainer.bert.export.ExportedModel;
import dev.streamtune.trainer.bert.training.BertFineTuner;
import dev.streamtune.trainer.bert.training.CancellationToken;
import dev.streamtune.trainer.bert.training.FineTuneListener;
import dev.streamtune.trainer.bert.training.FineTuneResult;
import dev.streamtune.trainer.bert.training.FineTuneSettings;
import dev.streamtune.trainer.bert.training.FineTuneStrategy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.jboss.logging.Logger;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Fine-tunes from JSONL, writes a signed artifact, evaluates it with ONNX Runtime, prints one JSON line. */
@Command(
        name = "fine-tune",
        mixinStandardHelpOptions = true,
        description = {
            "Fine-tunes a BERT classifier on a JSONL file of {\"text\": ..., \"label\": ...} lines, writes the signed"
                    + " model artifact (model.onnx, tokenizer.json, config.json, manifest.json, manifest.sig),"
                    + " evaluates the artifact with ONNX Runtime on the test file and prints the result as one JSON"
                    + " object on the last line of stdout."
        })
public final class FineTuneCommand implements Callable<Integer> {

    private static final Logger LOG = Logger.getLogger(FineTuneCommand.class);
    /** The first test texts, whose expected probabilities the manifest carries for serving's self-check. */
    private static final int SELF_CHECKS = 4;

    @Option(names = "--train", required = true, description = "Training examples (JSONL).")
    Path train;

    @Option(
            names = "--validation",
            description = "Validation examples (JSONL); default: a deterministic, stratified share of --train.")
    Path validation;

    @Option(names = "--test", description = "Test examples (JSONL), evaluated on the exported artifact.")
    Path test;

    @Option(names = "--output", required = true, description = "Artifact directory to write (replaced if present).")
    Path output;

    @Option(
            names = "--base-model",
            defaultValue = "minilm",
            description = "minilm (default; 6 layers), bge-small (BAAI/bge-small-en-v1.5: 12 layers, more accurate,"
                    + " twice the cost), hf:<dir> (config.json + model.safetensors + tokenizer.json),"
                    + " onnx:<file> (a torch.onnx BERT export, <name>-tokenizer.json or tokenizer.json beside it;"
                    + " mean pooling unless --pooling), artifact:<dir> (warm start from a Streamtune artifact), an"
                    + " .onnx file or a directory of either kind.")
    String baseModel;

    @Option(names = "--layers", description = "Encoder layers kept from the bottom (default: all).")
    Integer layers;

    @Option(
            names = "--max-length",
            defaultValue = "128",
            description = "Max tokens per text (default ${DEFAULT-VALUE}).")
    int maxLength;

    @Option(
            names = "--truncation",
            defaultValue = "head",
            description = "Tokens kept of a longer text: head (its beginning) or head-tail (a quarter from the"
                    + " beginning, the rest from the end). Recorded in the manifest; serving keeps the same"
                    + " (default ${DEFAULT-VALUE}).")
    String truncation;

    @Option(names = "--epochs", defaultValue = "3", description = "Epochs (default ${DEFAULT-VALUE}).")
    int epochs;

    @Option(names = "--batch-size", defaultValue = "16", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--lr", defaultValue = "5e-5", description = "Peak learning rate (default ${DEFAULT-VALUE}).")
    double learningRate;

    @Option(
            names = "--head-lr",
            defaultValue = "2e-3",
            description = "Head-only learning rate (default ${DEFAULT-VALUE}).")
    double headLearningRate;

    @Option(
            names = "--strategy",
            defaultValue = "AUTO",
            description = "FULL, FREEZE_BOTTOM, HEAD_ONLY or AUTO (default ${DEFAULT-VALUE}).")
    FineTuneStrategy strategy;

    @Option(names = "--frozen-layers", description = "Bottom layers frozen by FREEZE_BOTTOM (default: half).")
    Integer frozenLayers;

    @Option(names = "--train-word-embeddings", description = "Also train the word-embedding table (slower).")
    boolean trainWordEmbeddings;

    @Option(names = "--pooling", description = "cls, pooler or mean (default: the base model's).")
    String pooling;

    @Option(names = "--patience", defaultValue = "2", description = "Early-stopping patience in epochs.")
    int patience;

    @Option(
            names = "--average-epochs",
            defaultValue = "1",
            description = "Keep the mean of the weights at the ends of the last N epochs trained instead of the best"
                    + " epoch's, unless it gets more than one more validation example wrong (default ${DEFAULT-VALUE}: the best"
                    + " epoch's).")
    int averageEpochs;

    @Option(names = "--label-smoothing", defaultValue = "0", description = "Label smoothing in [0, 1).")
    double labelSmoothing;

    @Option(
            names = "--weight-decay",
            description = "Decoupled (AdamW) weight decay, not on biases and LayerNorms (default 0.01).")
    Double weightDecay;

    @Option(
            names = "--warmup",
            description = "Fraction of the steps the learning rate warms up over, then decays linearly (default 0.1).")
    Double warmup;

    @Option(
            names = "--max-grad-norm",
            description = "Global L2 norm gradients are clipped to; 0 turns clipping off (default 1.0).")
    Double maxGradNorm;

    @Option(
            names = "--dropout",
            description = "Dropout of embeddings, encoder layers and head while training (default 0.1).")
    Double dropout;

    @Option(
            names = "--class-weights",
            split = ",",
            paramLabel = "LABEL=WEIGHT",
            description = "Per-label loss weights, e.g. spam=2,ham=1 (labels not named weigh 1).")
    Map<String, Double> classWeights;

    @Option(names = "--seed", defaultValue = "42", description = "Random seed (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(
            names = "--device",
            defaultValue = "auto",
            description = "cpu, gpu, gpu:N, gpus (all, data parallel) or auto (default ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--name", defaultValue = "streamtune-bert", description = "Model name in the manifest.")
    String name;

    @Option(names = "--model-version", defaultValue = "1", description = "Version number in the manifest.")
    long version;

    @Mixin
    SigningOptions signing;

    @Override
    public Integer call() throws Exception {
        long started = System.nanoTime();
        ManifestSigner signer = signing.signer(output);
        List<LabeledText> trainSet = JsonlDatasets.read(train);
        List<LabeledText> validationSet = validation == null ? List.of() : JsonlDatasets.read(validation);
        List<LabeledText> testSet = test == null ? List.of() : JsonlDatasets.read(test);
        List<String> labels = JsonlDatasets.labelsOf(trainSet);
        FineTuneSettings settings = settings();
        // written and sealed beside the target, then moved into place: no reader sees a partial artifact
        Path parent = output.toAbsolutePath().normalize().getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, output.getFileName() + ".staging-");
        Map<String, Object> report = new LinkedHashMap<>();
        try (FineTuneResult result = new BertFineTuner()
                .fit(trainSet, validationSet, labels, settings, FineTuneListener.NONE, CancellationToken.none())) {
            List<String> selfChecks =
                    testSet.stream().limit(SELF_CHECKS).map(LabeledText::text).toList();
            ExportedModel exported = BertArtifactExporter.export(result, staging, selfChecks);
            ArtifactWriter.Sealed sealed = exported.seal(
                    exported.manifest(name, version, result.validationMetrics(), null, null, null, Instant.now()),
                    signer);
            TestScore score = TestScore.NONE;
            if (!testSet.isEmpty()) {
                score = scoreOnTest(testSet, staging, signer, exported, sealed, report);
                exported = score.exported();
                // the manifest carries the test metrics too: re-seal with them
                sealed = exported.seal(
                        exported.manifest(
                                name,
                                version,
                                result.validationMetrics(),
                                score.metrics(),
                                null,
                                null,
                                sealed.manifest().createdAt()),
                        signer);
            }
            replace(staging, output);
            describe(report, result, exported, sealed, score, labels, testSet.size(), settings);
            report.put("wallSeconds", (System.nanoTime() - started) / 1e9);
        } finally {
            deleteRecursively(staging);
        }
        System.out.println(Json.mapper().writeValueAsString(report));
        return 0;
    }

    /** The test split's metrics (ONNX Runtime, as served), the time they took, and the model with its int8 scored. */
    private record TestScore(ClassificationMetrics metrics, double seconds, ExportedModel exported) {
        static final TestScore NONE = new TestScore(null, 0, null);
    }

    /** Scores the sealed artifact on the test split, and its int8 graph when it has one (into {@code report}). */
    private static TestScore scoreOnTest(
            List<LabeledText> testSet,
            Path staging,
            ManifestSigner signer,
            ExportedModel exported,
            ArtifactWriter.Sealed sealed,
            Map<String, Object> report)
            throws Exception {
        long t0 = System.nanoTime();
        ClassificationMetrics testMetrics;
        try (OnnxTextClassifier onnx = OnnxTextClassifier.load(staging, signer)) {
            testMetrics = onnx.evaluate(testSet);
        }
        double testSeconds = (System.nanoTime() - t0) / 1e9;
        LOG.infof(
                "test (ONNX Runtime, %d examples, %.1f s): accuracy %.4f macro-F1 %.4f",
                testSet.size(), testSeconds, testMetrics.accuracy(), testMetrics.macroF1());
        if (exported.int8() == null) {
            return new TestScore(testMetrics, testSeconds, exported);
        }
        ClassificationMetrics int8Metrics;
        try (OnnxTextClassifier int8 = OnnxTextClassifier.open(
                staging.resolve(ModelArtifact.INT8_MODEL_FILE),
                staging.resolve(ModelArtifact.TOKENIZER_FILE),
                sealed.manifest())) {
            int8Metrics = int8.evaluate(testSet);
        }
        double drop = (testMetrics.accuracy() - int8Metrics.accuracy()) * 100;
        report.put("int8Test", int8Metrics);
        report.put("int8AccuracyDropPoints", drop);
        LOG.infof(
                "test, int8 graph: accuracy %.4f macro-F1 %.4f (%.2f points below fp32)",
                int8Metrics.accuracy(), int8Metrics.macroF1(), drop);
        return new TestScore(
                testMetrics, testSeconds, exported.withInt8(exported.int8().withTestMetrics(int8Metrics)));
    }

    /** The JSON result: where the artifact is, how training went and what it scored. */
    private void describe(
            Map<String, Object> report,
            FineTuneResult result,
            ExportedModel exported,
            ArtifactWriter.Sealed sealed,
            TestScore score,
            List<String> labels,
            int testExamples,
            FineTuneSettings settings) {
        report.put("artifact", output.toString());
        report.put("manifestSha256", sealed.manifestSha256());
        report.put("baseModel", result.classifier().baseModel());
        report.put("layers", result.classifier().config().numHiddenLayers());
        report.put("labels", labels);
        report.put("strategy", result.strategy());
        report.put("strategyReason", result.strategyReason());
        report.put("bestEpoch", result.bestEpoch());
        if (!result.averagedEpochs().isEmpty()) {
            report.put("averagedEpochs", result.averagedEpochs());
        }
        report.put("history", result.history());
        report.put("trainExamples", result.trainExamples());
        report.put("validationExamples", result.validationExamples());
        report.put("testExamples", testExamples);
        report.put("validation", result.validationMetrics());
        report.put("test", score.metrics());
        report.put("trainSeqPerSec", result.trainSeqPerSec());
        report.put("fineTuneSeconds", result.elapsed().toMillis() / 1000.0);
        report.put("testSeconds", score.seconds());
        report.put("parityMaxAbsDiff", exported.parityMaxAbsDiff());
        if (exported.int8() != null) {
            report.put("int8ParityMaxAbsProbabilityDiff", exported.int8().maxAbsProbabilityDiff());
            report.put("int8ParityTop1Agreement", exported.int8().top1Agreement());
        }
        report.put("warnings", result.warnings());
        report.put("settings", settings.toHyperParameters());
    }

    /** The settings the options give; an option not given keeps {@link FineTuneSettings}' default. */
    FineTuneSettings settings() {
        FineTuneSettings.Builder builder = FineTuneSettings.builder()
                .optBaseModel(BaseModelSource.parse(baseModel))
                .optStrategy(strategy)
                .optEpochs(epochs)
                .optBatchSize(batchSize)
                .optLearningRate(learningRate)
                .optHeadLearningRate(headLearningRate)
                .optMaxLength(maxLength)
                .optTruncation(Truncation.of(truncation))
                .optLayers(layers)
                .optFrozenLayers(frozenLayers)
                .optTrainWordEmbeddings(trainWordEmbeddings)
                .optPatience(patience)
                .optAverageEpochs(averageEpochs)
                .optLabelSmoothing(labelSmoothing)
                .optPooling(pooling == null ? null : Pooling.fromId(pooling))
                .optSeed(seed)
                .optDevice(device);
        if (weightDecay != null) {
            builder.optWeightDecay(weightDecay);
        }
        if (warmup != null) {
            builder.optWarmupFraction(warmup);
        }
        if (maxGradNorm != null) {
            builder.optMaxGradNorm(maxGradNorm);
        }
        if (dropout != null) {
            builder.optDropout(dropout);
        }
        if (classWeights != null) {
            builder.optClassWeights(classWeights);
        }
        return builder.build();
    }

    /** Moves the finished artifact into place; an older one at the same path is removed first. */
    static void replace(Path staging, Path output) throws java.io.IOException {
        if (Files.exists(output)) {
            deleteRecursively(output);
        }
        Files.move(staging, output, StandardCopyOption.ATOMIC_MOVE);
    }

    static void deleteRecursively(Path dir) throws java.io.IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
