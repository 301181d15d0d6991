package dev.streamtune.trainer.bert.export;

import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.onnx.BertOnnxExporter;
import dev.streamtune.common.onnx.Int8Parity;
import dev.streamtune.common.onnx.Int8WeightQuantizer;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.checkpoint.CheckpointLoader;
import dev.streamtune.trainer.bert.evaluation.OnnxTextClassifier;
import dev.streamtune.trainer.bert.model.BertClassifier;
import dev.streamtune.trainer.bert.training.FineTuneResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jboss.logging.Logger;

/**
 * Writes a trained {@link BertClassifier} as a model artifact: the ONNX graph (encoder + head, weights pulled from the
 * DJL parameters, Hugging Face names), its dynamically quantized form {@code model-int8.onnx}, the tokenizer and the
 * Hugging Face config. Before returning it runs the self-check texts and an over-length text through ONNX Runtime:
 * it refuses an export whose logits or probabilities differ from DJL's by more than {@link #PARITY_TOLERANCE}, and
 * leaves the int8 graph out when it misses {@link Int8Parity}'s bound against the float graph.
 */
public final class BertArtifactExporter {

    private static final Logger LOG = Logger.getLogger(BertArtifactExporter.class);

    /**
     * Largest ONNX-Runtime-vs-DJL difference an export may show: absolute for probabilities, relative to
     * {@code max(1, |logit|)} for logits (float rounding grows with their magnitude; a sharp head's logits reach tens).
     */
    public static final double PARITY_TOLERANCE = 1e-4;

    /** Self-check inputs when the caller has none of its own (any text works: they pin the model's behaviour). */
    public static final List<String> DEFAULT_SELF_CHECK_TEXTS = List.of(
            "Thank you for your order, it will ship tomorrow.",
            "URGENT!!! You have WON a free prize, click here now",
            "Can we move the meeting to Thursday afternoon?",
            "Hi Anna, attached are the minutes from yesterday; the budget review moves to next week.");

    /** Four or more tokens a copy, repeated past {@code maxLength}. */
    private static final String OVER_LENGTH_SENTENCE = "Please review the attached invoice before Friday. ";

    /** Ends the over-length text unlike its beginning, so that keeping the tail gives other tokens than the head. */
    private static final String OVER_LENGTH_END = "Thanks, and see you at the offsite on Monday morning.";

    private BertArtifactExporter() {}

    /** Exports a fine-tuning result with its settings, strategy and best epoch as hyper-parameters. */
    public static ExportedModel export(FineTuneResult result, Path dir, List<String> selfCheckTexts) {
        return export(result.classifier(), dir, selfCheckTexts, result.hyperParameters());
    }

    /**
     * @param dir created if missing; files of the same names are replaced
     * @param selfCheckTexts texts whose probabilities go into the manifest; null or empty for
     *     {@link #DEFAULT_SELF_CHECK_TEXTS}
     * @throws IllegalStateException if ONNX Runtime's probabilities differ from DJL's by more than
     *     {@link #PARITY_TOLERANCE}
     */
    public static ExportedModel export(
            BertClassifier model, Path dir, List<String> selfCheckTexts, Map<String, Object> hyperParameters) {
        List<String> texts =
                selfCheckTexts == null || selfCheckTexts.isEmpty() ? DEFAULT_SELF_CHECK_TEXTS : selfCheckTexts;
        long t0 = System.nanoTime();
        writeFiles(model, dir);
        List<String> parityTexts = parityTexts(texts, model.maxLength());
        List<String> checkTexts = selfCheckTexts(texts, parityTexts, model);
        float[][] expected = model.predictProbabilities(parityTexts);
        ExportedModel exported = new ExportedModel(
                dir,
                model.baseModel(),
                model.labels(),
                model.maxLength(),
                model.truncation(),
                model.pooling(),
                hyperParameters,
                selfChecks(checkTexts, expected),
                Double.NaN,
                null);
        OnnxOutputs onnx = OnnxOutputs.of(dir, exported, parityTexts);
        double diff = Math.max(
                maxAbsDiff(expected, onnx.probabilities()),
                maxScaledDiff(model.predictLogits(parityTexts), onnx.logits()));
        if (!(diff <= PARITY_TOLERANCE)) {
            throw new IllegalStateException(String.format(
                    Locale.ROOT,
                    "exported model disagrees with the trained one: ONNX Runtime logits or probabilities differ from"
                            + " DJL's by %.3g (> %.0e) on the self-check texts and an over-length text",
                    diff,
                    PARITY_TOLERANCE));
        }
        Int8Parity parity = Int8Parity.of(onnx.probabilities(), onnx.int8Probabilities());
        ModelVariant variant = int8Variant(dir, parity, checkTexts, onnx.int8Probabilities());
        LOG.infof(
                "exported %s (%d labels, %s pooling) to %s in %.1f s; ONNX Runtime vs DJL max |Δ| = %.2e;"
                        + " int8 vs fp32: %s",
                model.baseModel(),
                model.labels().size(),
                model.pooling().id(),
                dir,
                (System.nanoTime() - t0) / 1e9,
                diff,
                parity);
        return exported.withParityMaxAbsDiff(diff).withInt8(variant);
    }

    /** {@code model.onnx}, its int8 twin, {@code tokenizer.json} and {@code config.json}. */
    private static void writeFiles(BertClassifier model, Path dir) {
        BertOnnxExporter.Builder graph = BertOnnxExporter.builder()
                .setWeights(model.encoderWeights())
                .setHead(model.head())
                .setPooling(model.pooling())
                .setLabels(model.labels());
        try {
            Files.createDirectories(dir);
            graph.build().export(dir.resolve(ModelArtifact.MODEL_FILE));
            graph.optDynamicInt8(true).build().export(dir.resolve(ModelArtifact.INT8_MODEL_FILE));
            Files.write(dir.resolve(ModelArtifact.TOKENIZER_FILE), model.tokenizerJson());
            Files.write(
                    dir.resolve(CheckpointLoader.CONFIG_FILE),
                    Json.mapper()
                            .writerWithDefaultPrettyPrinter()
                            .writeValueAsBytes(model.config().toHuggingFaceJson()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model artifact into " + dir, e);
        }
    }

    /** What ONNX Runtime computes on the parity texts with the written graphs: fp32 probabilities and logits, int8. */
    private record OnnxOutputs(float[][] probabilities, float[][] logits, float[][] int8Probabilities) {
        static OnnxOutputs of(Path dir, ExportedModel exported, List<String> parityTexts) {
            ModelManifest draft = exported.manifest("parity-check", 0, null, null, null, null, Instant.EPOCH);
            try (OnnxTextClassifier onnx = open(dir, ModelArtifact.MODEL_FILE, draft);
                    OnnxTextClassifier quantized = open(dir, ModelArtifact.INT8_MODEL_FILE, draft)) {
                return new OnnxOutputs(
                        onnx.predictProbabilities(parityTexts),
                        onnx.predictLogits(parityTexts),
                        quantized.predictProbabilities(parityTexts));
            }
        }
    }

    /** The int8 graph's description when it stays within its bound of fp32; else null and the file removed. */
    private static ModelVariant int8Variant(
            Path dir, Int8Parity parity, List<String> checkTexts, float[][] int8Probabilities) {
        if (!parity.withinBound()) {
            LOG.warnf(
                    "int8 graph left out of %s: %s, outside the bound (max |Δp| %.2f)",
                    dir, parity, Int8Parity.MAX_PROBABILITY_DIFF);
            deleteQuietly(dir.resolve(ModelArtifact.INT8_MODEL_FILE));
            return null;
        }
        return new ModelVariant(
                ModelArtifact.INT8_MODEL_FILE,
                "dynamic-int8 per-channel symmetric |q|<=" + Int8WeightQuantizer.REDUCED_RANGE,
                null,
                parity.maxAbsProbabilityDiff(),
                parity.top1Agreement(),
                selfChecks(checkTexts, int8Probabilities));
    }

    /**
     * The self-check texts and one longer than {@code maxLength} tokens whose end differs from its beginning:
     * truncation (which tokens are kept, not only how many) must agree too.
     */
    static List<String> parityTexts(List<String> texts, int maxLength) {
        List<String> all = new ArrayList<>(texts);
        all.add(OVER_LENGTH_SENTENCE.repeat(maxLength / 4 + 1) + OVER_LENGTH_END);
        return all;
    }

    /**
     * The self-checks: the given texts, and with a truncation other than the head also the over-length parity text,
     * which only a server that keeps the same tokens of it reproduces.
     */
    private static List<String> selfCheckTexts(List<String> texts, List<String> parityTexts, BertClassifier model) {
        return model.truncation() == Truncation.HEAD ? texts : parityTexts;
    }

    private static List<SelfCheck> selfChecks(List<String> texts, float[][] probabilities) {
        List<SelfCheck> checks = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            List<Double> row = new ArrayList<>();
            for (float p : probabilities[i]) {
                row.add((double) p);
            }
            checks.add(new SelfCheck(texts.get(i), row));
        }
        return checks;
    }

    private static OnnxTextClassifier open(Path dir, String file, ModelManifest manifest) {
        return OnnxTextClassifier.open(dir.resolve(file), dir.resolve(ModelArtifact.TOKENIZER_FILE), manifest);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + file, e);
        }
    }

    /** Largest {@code |a - b| / max(1, |a|)} over the elements of two equally shaped matrices. */
    public static double maxScaledDiff(float[][] a, float[][] b) {
        float[][] scaledA = new float[a.length][];
        float[][] scaledB = new float[b.length][];
        for (int i = 0; i < a.length; i++) {
            scaledA[i] = a[i].clone();
            scaledB[i] = b[i].clone();
            for (int j = 0; j < a[i].length && j < b[i].length; j++) {
                float scale = Math.max(1f, Math.abs(a[i][j]));
                scaledA[i][j] /= scale;
                scaledB[i][j] /= scale;
            }
        }
        return maxAbsDiff(scaledA, scaledB);
    }

    /** Largest absolute element difference of two equally shaped matrices. */
    public static double maxAbsDiff(float[][] a, float[][] b) {
        if (a.length != b.length) {
            throw new IllegalArgumentException(a.length + " rows vs " + b.length);
        }
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            if (a[i].length != b[i].length) {
                throw new IllegalArgumentException("row " + i + ": " + a[i].length + " vs " + b[i].length);
            }
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }
}
