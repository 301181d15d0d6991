package dev.streamtune.trainer.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.features.FeatureCache;
import dev.streamtune.trainer.bert.training.FineTuneSettings;
import dev.streamtune.trainer.bert.training.FineTuneStrategy;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the service's {@code training.*} settings become in a fine-tuning run, per lane. */
class BertModelTrainerTest {

    private static final TrainingSettings CONFIGURED = new TrainingSettings(
            "full", 4, 16, 1e-4, 256, Truncation.HEAD_TAIL, Optional.of(4), "cpu", 7, "bge-small", 3);

    @TempDir
    Path tmp;

    @Test
    void shouldPassTheConfiguredSettingsToAFullRun() {
        FineTuneSettings settings = BertModelTrainer.fineTuneSettings(job(Lane.FULL, Optional.empty()));

        assertThat(settings.baseModel()).isEqualTo(BaseModelSource.bgeSmall());
        assertThat(settings.strategy()).isEqualTo(FineTuneStrategy.FULL);
        assertThat(settings.epochs()).isEqualTo(4);
        assertThat(settings.learningRate()).isEqualTo(1e-4);
        assertThat(settings.maxLength()).isEqualTo(256);
        assertThat(settings.truncation()).isEqualTo(Truncation.HEAD_TAIL);
        assertThat(settings.layers()).isEqualTo(4);
        assertThat(settings.seed()).isEqualTo(7);
        assertThat(settings.averageEpochs()).isEqualTo(3);
        assertThat(settings.toHyperParameters()).containsEntry("averageEpochs", 3);
    }

    @Test
    void shouldKeepTheFastLanesHeadOnItsBestEpochOnTheChampionsWholeEncoder() {
        Path champion = tmp.resolve("champion");
        FineTuneSettings settings = BertModelTrainer.fineTuneSettings(job(Lane.FAST, Optional.of(champion)));

        assertThat(settings.baseModel()).isEqualTo(BaseModelSource.artifact(champion));
        assertThat(settings.strategy()).isEqualTo(FineTuneStrategy.HEAD_ONLY);
        assertThat(settings.layers()).isNull();
        assertThat(settings.averageEpochs()).isEqualTo(1);
        assertThat(settings.patience()).isEqualTo(Integer.MAX_VALUE);
        assertThat(settings.classWeights()).containsOnlyKeys("ham", "spam");
    }

    private TrainingJob job(Lane lane, Optional<Path> warmStart) {
        List<LabeledExample> train = List.of(
                LabeledExample.of("1", "meeting moved to friday", "ham"),
                LabeledExample.of("2", "win a free cruise now", "spam"),
                LabeledExample.of("3", "lunch at noon?", "ham"));
        return new TrainingJob(
                "run-1",
                train,
                train,
                List.of("ham", "spam"),
                CONFIGURED,
                warmStart,
                lane,
                new FeatureCache(tmp.resolve("features"), 1 << 20));
    }
}
