package dev.streamtune.trainer.training;

import dev.streamtune.common.model.Pooling;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/** A freshly fine-tuned model, still in the training engine. */
public interface CandidateModel extends Classifier {

    /** Writes {@code model.onnx} and {@code tokenizer.json} (and nothing the manifest must not list) into {@code dir}. */
    void export(Path dir) throws IOException;

    /** The pre-trained checkpoint (or artifact) fine-tuning started from. */
    String baseModel();

    int maxLength();

    Pooling pooling();

    /** The settings actually used, for the manifest. */
    Map<String, Object> hyperParameters();
}
