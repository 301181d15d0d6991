package dev.streamtune.trainer.bert.cli;

import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.MetricsCalculator;
import dev.streamtune.trainer.bert.dataset.JsonlDatasets;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import dev.streamtune.trainer.bert.evaluation.OnnxTextClassifier;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Verifies an artifact and evaluates it with ONNX Runtime on a JSONL file; prints one JSON line. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = "Verifies a model artifact's signature and digests, evaluates it with ONNX Runtime on a JSONL"
                + " file and prints the metrics as one JSON object on the last line of stdout.")
public final class EvaluateCommand implements Callable<Integer> {

    @Option(names = "--model", required = true, description = "Artifact directory.")
    Path model;

    @Option(names = "--test", required = true, description = "Examples to evaluate on (JSONL).")
    Path test;

    @Mixin
    SigningOptions signing;

    @Option(
            names = "--predictions",
            description = "Also write one JSONL line per example: label, predicted label, probabilities, text.")
    Path predictions;

    @Override
    public Integer call() throws Exception {
        ManifestSigner signer = signing.signer(model);
        List<LabeledText> examples = JsonlDatasets.read(test);
        long t0 = System.nanoTime();
        ClassificationMetrics metrics;
        Map<String, Object> report = new LinkedHashMap<>();
        try (OnnxTextClassifier classifier = OnnxTextClassifier.load(model, signer)) {
            float[][] probabilities = classifier.predictProbabilities(
                    examples.stream().map(LabeledText::text).toList());
            metrics = MetricsCalculator.compute(
                    classifier.labels(),
                    examples.stream().map(LabeledText::label).toList(),
                    probabilities);
            if (predictions != null) {
                writePredictions(classifier.labels(), examples, probabilities);
            }
            report.put(
                    "model",
                    classifier.manifest().name() + " v" + classifier.manifest().version());
        }
        report.put("artifact", model.toString());
        report.put("examples", examples.size());
        report.put("seconds", (System.nanoTime() - t0) / 1e9);
        report.put("test", metrics);
        System.out.println(Json.mapper().writeValueAsString(report));
        return 0;
    }

    private void writePredictions(List<String> labels, List<LabeledText> examples, float[][] probabilities)
            throws java.io.IOException {
        try (var writer = java.nio.file.Files.newBufferedWriter(predictions)) {
            for (int i = 0; i < examples.size(); i++) {
                Map<String, Object> line = new LinkedHashMap<>();
                line.put("label", examples.get(i).label());
                line.put("predicted", labels.get(MetricsCalculator.argmax(probabilities[i])));
                Map<String, Float> scores = new LinkedHashMap<>();
                for (int k = 0; k < labels.size(); k++) {
                    scores.put(labels.get(k), probabilities[i][k]);
                }
                line.put("probabilities", scores);
                line.put("text", examples.get(i).text());
                writer.write(Json.mapper().writeValueAsString(line));
                writer.newLine();
            }
        }
    }
}
