package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.trainer.bert.TestData;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BertFineTunerTest {

    static final List<String> LABELS = List.of("cooking", "sports");

    @Test
    void shouldFineTuneTwoLayerMiniLmWellAboveChance() {
        List<LabeledText> train = TestData.topics(160, 1);
        List<LabeledText> validation = TestData.topics(60, 2);
        FineTuneSettings settings = FineTuneSettings.builder()
                .optBaseModel(BaseModelSource.miniLm())
                .optLayers(2)
                .optMaxLength(32)
                .optEpochs(3)
                .optStrategy(FineTuneStrategy.FULL)
                .optLearningRate(1e-4)
                .optDevice("cpu")
                .build();
        List<TrainingProgress> progress = new ArrayList<>();
        long start = System.nanoTime();
        try (FineTuneResult result = new BertFineTuner()
                .fit(
                        train,
                        validation,
                        LABELS,
                        settings,
                        new FineTuneListener() {
                            @Override
                            public void onStep(TrainingProgress p) {
                                progress.add(p);
                            }
                        },
                        CancellationToken.none())) {
            System.out.printf(
                    "2-layer MiniLM: %s in %.1f s, %.1f seq/s%n",
                    result.validationMetrics(), (System.nanoTime() - start) / 1e9, result.trainSeqPerSec());
            assertThat(result.strategy()).isEqualTo(FineTuneStrategy.FULL);
            assertThat(result.validationMetrics().accuracy()).isGreaterThanOrEqualTo(0.85);
            assertThat(result.history()).hasSize(3);
            assertThat(progress).hasSize(30);
            assertThat(progress.get(29).step()).isEqualTo(30);
            assertThat(progress.get(29).seqPerSec()).isPositive();
        }
    }
}
