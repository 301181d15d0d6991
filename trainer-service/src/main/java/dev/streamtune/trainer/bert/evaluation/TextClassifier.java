package dev.streamtune.trainer.bert.evaluation;

import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.MetricsCalculator;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import java.util.List;

/**
 * A trained text classifier: the fine-tuned DJL model or an exported artifact under ONNX Runtime. Holds native memory:
 * close it. Not thread-safe: one caller at a time.
 */
public interface TextClassifier extends AutoCloseable {

    /** Label names in the index order of the probabilities. */
    List<String> labels();

    /** Texts longer than this many tokens are truncated. */
    int maxLength();

    /** Which tokens of a text longer than {@link #maxLength()} are kept. */
    Truncation truncation();

    /** One probability row per text, in {@link #labels()} order. */
    float[][] predictProbabilities(List<String> texts);

    /**
     * Accuracy, macro-F1, per-class precision/recall/F1, confusion matrix, calibration error and cross-entropy on
     * {@code examples}.
     *
     * @throws IllegalArgumentException if an example's label is not one of {@link #labels()}
     */
    default ClassificationMetrics evaluate(List<LabeledText> examples) {
        List<String> texts = examples.stream().map(LabeledText::text).toList();
        return MetricsCalculator.compute(
                labels(), examples.stream().map(LabeledText::label).toList(), predictProbabilities(texts));
    }

    @Override
    void close();
}
