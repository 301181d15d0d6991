package dev.streamtune.trainer.training;

import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.config.TrainerConfig;
import java.util.Optional;

/** The fine-tuning knobs the trainer service passes on, from configuration. */
public record TrainingSettings(
        String strategy,
        int epochs,
        int batchSize,
        double learningRate,
        int maxLength,
        Truncation truncation,
        Optional<Integer> layers,
        String device,
        long seed,
        String baseModel,
        int averageEpochs) {

    public static TrainingSettings from(TrainerConfig.Training config) {
        return new TrainingSettings(
                config.strategy(),
                config.epochs(),
                config.batchSize(),
                config.learningRate(),
                config.maxLength(),
                Truncation.of(config.truncation()),
                config.layers(),
                config.device(),
                config.seed(),
                config.baseModel(),
                config.averageEpochs());
    }
}
