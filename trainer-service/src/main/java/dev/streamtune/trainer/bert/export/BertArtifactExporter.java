package dev.streamtune.trainer.bert.export;

import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.onnx.BertOnnxExporter;
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
 * DJL parameters, Hugging Face names), the tokenizer and the Hugging Face config. Before returning it runs the
 * self-check texts through ONNX Runtime and refuses an export whose probabilities drift from DJL's.
 */
public final class BertArtifactExporter {

    private static final Logger LOG = Logger.getLogger(BertArtifactExporter.class);

    /** Largest ONNX-Runtime-vs-DJL probability difference an export may show. */
    public static final double PARITY_TOLERANCE = 1e-4;

    /** Self-check inputs when the caller has none of its own (any text works: they pin the model's behaviour). */
    public static final List<String> DEFAULT_SELF_CHECK_TEXTS = List.of(
            "Thank you for your order, it will ship tomorrow.",
            "URGENT!!! You have WON a free prize, click here now",
            "Can we move the meeting to Thursday afternoon?",
            "Hi Anna, attached are the minutes from yesterday; the budget review moves to next week.");

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
        try {
            Files.createDirectories(dir);
            BertOnnxExporter.builder()
                    .setWeights(model.encoderWeights())
                    .setHead(model.head())
                    .setPooling(model.pooling())
                    .setLabels(model.labels())
                    .build()
                    .export(dir.resolve(ModelArtifact.MODEL_FILE));
            Files.write(dir.resolve(ModelArtifact.TOKENIZER_FILE), model.tokenizerJson());
            Files.write(
                    dir.resolve(CheckpointLoader.CONFIG_FILE),
                    Json.mapper()
                            .writerWithDefaultPrettyPrinter()
                            .writeValueAsBytes(model.config().toHuggingFaceJson()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the model artifact into " + dir, e);
        }
        float[][] expected = model.predictProbabilities(texts);
        List<SelfCheck> checks = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            List<Double> row = new ArrayList<>();
            for (float p : expected[i]) {
                row.add((double) p);
            }
            checks.add(new SelfCheck(texts.get(i), row));
        }
        ExportedModel exported = new ExportedModel(
                dir,
                model.baseModel(),
                model.labels(),
                model.maxLength(),
                model.pooling(),
                hyperParameters,
                checks,
                Double.NaN);
        double diff;
        try (OnnxTextClassifier onnx = OnnxTextClassifier.open(
                dir.resolve(ModelArtifact.MODEL_FILE),
                dir.resolve(ModelArtifact.TOKENIZER_FILE),
                exported.manifest("parity-check", 0, null, null, null, null, Instant.EPOCH))) {
            diff = maxAbsDiff(expected, onnx.predictProbabilities(texts));
        }
        if (!(diff <= PARITY_TOLERANCE)) {
            throw new IllegalStateException(String.format(
                    Locale.ROOT,
                    "exported model disagrees with the trained one: ONNX Runtime probabilities differ from DJL's by"
                            + " %.3g (> %.0e) on the self-check texts",
                    diff,
                    PARITY_TOLERANCE));
        }
        LOG.infof(
                "exported %s (%d labels, %s pooling) to %s in %.1f s; ONNX Runtime vs DJL max |Δp| = %.2e",
                model.baseModel(),
                model.labels().size(),
                model.pooling().id(),
                dir,
                (System.nanoTime() - t0) / 1e9,
                diff);
        return exported.withParityMaxAbsDiff(diff);
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
