package dev.streamtune.trainer.training;

import dev.streamtune.common.model.ModelManifest;
import java.nio.file.Path;

/** The fine-tuning engine behind the trainer service. */
public interface ModelTrainer {

    /** Fine-tunes a candidate on {@code job}; honours {@code cancellation} between steps. */
    CandidateModel train(TrainingJob job, TrainingListener listener, RunCancellation cancellation) throws Exception;

    /**
     * Loads an exported artifact directory for scoring with the serving runtime (ONNX Runtime): the champion, or the
     * candidate's own export to check it reproduces the training-side probabilities.
     */
    Classifier load(Path artifactDir, ModelManifest manifest) throws Exception;
}
