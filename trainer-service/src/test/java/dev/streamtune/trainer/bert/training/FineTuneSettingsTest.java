package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class FineTuneSettingsTest {

    @Test
    void shouldDefaultToTheBertRecipe() {
        FineTuneSettings settings = FineTuneSettings.defaults();
        assertThat(settings.strategy()).isEqualTo(FineTuneStrategy.AUTO);
        assertThat(settings.learningRate()).isBetween(2e-5, 5e-5);
        assertThat(settings.batchSize()).isBetween(16, 32);
        assertThat(settings.epochs()).isBetween(2, 4);
        assertThat(settings.weightDecay()).isEqualTo(0.01);
        assertThat(settings.maxGradNorm()).isEqualTo(1.0);
        assertThat(settings.trainWordEmbeddings()).isFalse();
        assertThat(settings.device()).isEqualTo("auto");
    }

    @Test
    void shouldRejectOutOfRangeValuesNamingTheSetting() {
        assertThatThrownBy(() -> FineTuneSettings.builder().optEpochs(0).build())
                .hasMessageContaining("epochs");
        assertThatThrownBy(() -> FineTuneSettings.builder().optLabelSmoothing(1).build())
                .hasMessageContaining("labelSmoothing");
        assertThatThrownBy(() -> FineTuneSettings.builder().optDevice("tpu").build())
                .hasMessageContaining("tpu");
        assertThatThrownBy(() -> FineTuneSettings.builder()
                        .optClassWeights(Map.of("spam", -1.0))
                        .build())
                .hasMessageContaining("spam");
    }

    @Test
    void shouldRoundTripThroughItsBuilderAndDescribeItselfForTheManifest() {
        FineTuneSettings settings = FineTuneSettings.builder()
                .optLayers(2)
                .optClassWeights(Map.of("spam", 2.0))
                .optDevice("gpus")
                .build();
        assertThat(settings.toBuilder().build()).isEqualTo(settings);
        assertThat(settings.toHyperParameters())
                .containsEntry("layers", 2)
                .containsEntry("device", "gpus")
                .containsEntry("baseModel", "sentence-transformers/all-MiniLM-L6-v2")
                .containsKey("classWeights");
    }
}
