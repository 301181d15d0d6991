package dev.streamtune.trainer.training;

import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.tokenizer.Truncation;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A freshly fine-tuned model, still in the training engine. */
public interface CandidateModel extends Classifier {

    /** Writes {@code model.onnx} and {@code tokenizer.json} (and nothing the manifest must not list) into {@code dir}. */
    void export(Path dir) throws IOException;

    /** The pre-trained checkpoint (or artifact) fine-tuning started from. */
    String baseModel();

    int maxLength();

    /** Which tokens of a longer text the model was trained on (the manifest tells serving). */
    Truncation truncation();

    Pooling pooling();

    /** The settings actually used, for the manifest. */
    Map<String, Object> hyperParameters();

    /**
     * The champion scored without running its encoder: when this candidate kept the champion's encoder (fast lane),
     * the champion's own head on the candidate's cached features gives the champion's predictions. Empty when that
     * does not hold (then the champion's artifact is scored as usual).
     */
    default Optional<Classifier> championOnSharedEncoder(ModelManifest champion) {
        return Optional.empty();
    }

    /** Computes and keeps the encoder features of {@code texts}, for fast-lane runs on this model's encoder. */
    default void cacheFeatures(List<String> texts) {}
}
