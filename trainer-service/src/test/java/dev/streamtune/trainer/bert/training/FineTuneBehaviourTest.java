package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.trainer.bert.TestData;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Run-level behaviour on a tiny random BERT (2 layers, 32 wide): fast, and every mechanism still runs for real. */
class FineTuneBehaviourTest {

    static final List<String> LABELS = List.of("cooking", "sports");

    static FineTuneSettings.Builder tiny() {
        return FineTuneSettings.builder()
                .optBaseModel(BaseModelSource.preloaded(TestData.tinyBert(3)))
                .optMaxLength(24)
                .optBatchSize(8)
                .optLearningRate(1e-3)
                .optDevice("cpu");
    }

    @Test
    void shouldGiveIdenticalResultsForTheSameDataAndSeed() {
        List<LabeledText> train = TestData.topics(48, 11);
        List<LabeledText> validation = TestData.topics(16, 12);
        FineTuneSettings settings = tiny().optStrategy(FineTuneStrategy.FULL)
                .optEpochs(2)
                .optSeed(7)
                .build();
        BertFineTuner tuner = new BertFineTuner();
        try (FineTuneResult first = tuner.fit(train, validation, LABELS, settings, null, null);
                FineTuneResult second = tuner.fit(train, validation, LABELS, settings, null, null)) {
            assertThat(second.history())
                    .usingRecursiveFieldByFieldElementComparatorIgnoringFields("seconds")
                    .isEqualTo(first.history());
            assertThat(second.validationMetrics()).isEqualTo(first.validationMetrics());
            TestData.assertSameValues(
                    "head weight",
                    first.classifier().head().weight().data(),
                    second.classifier().head().weight().data());
        }
    }

    @Test
    void shouldTrainOnlyTheHeadWhenAutoSeesFewExamples() {
        List<LabeledText> train = TestData.topics(40, 21);
        List<LabeledText> validation = TestData.topics(20, 22);
        try (FineTuneResult result = new BertFineTuner()
                .fit(train, validation, LABELS, tiny().optHeadOnlyEpochs(5).build(), null, null)) {
            assertThat(result.strategy()).isEqualTo(FineTuneStrategy.HEAD_ONLY);
            assertThat(result.strategyReason()).contains("auto", "40 training examples", "head");
            assertThat(result.history()).isNotEmpty();
            float[] before = TestData.tinyBert(3)
                    .weights()
                    .tensor("encoder.layer.0.attention.self.query.weight")
                    .data();
            float[] after = result.classifier()
                    .encoderWeights()
                    .tensor("encoder.layer.0.attention.self.query.weight")
                    .data();
            TestData.assertSameValues("query weight", before, after); // the encoder did not move
        }
    }

    @Test
    void shouldStopWithCancellationWhenTheTokenFires() {
        CancellationToken token = new CancellationToken();
        AtomicInteger steps = new AtomicInteger();
        FineTuneListener cancelAtStepTwo = new FineTuneListener() {
            @Override
            public void onStep(TrainingProgress progress) {
                if (steps.incrementAndGet() == 2) {
                    token.cancel("test");
                }
            }
        };
        FineTuneSettings settings =
                tiny().optStrategy(FineTuneStrategy.FULL).optEpochs(5).build();
        assertThatThrownBy(() -> new BertFineTuner()
                        .fit(
                                TestData.topics(64, 31),
                                TestData.topics(16, 32),
                                LABELS,
                                settings,
                                cancelAtStepTwo,
                                token))
                .isInstanceOf(CancellationException.class)
                .hasMessageContaining("test");
        assertThat(steps).hasValue(2);
    }

    @Test
    void shouldKeepTheBestEpochsWeightsAndWarnAboutOverfittingOnNoise() {
        // random labels: training loss falls by memorising while validation gets worse
        List<LabeledText> train = TestData.noise(64, 41);
        List<LabeledText> validation = TestData.noise(32, 42);
        FineTuneSettings settings = tiny().optStrategy(FineTuneStrategy.FULL)
                .optEpochs(8)
                .optPatience(8)
                .optLearningRate(3e-3)
                .optDropout(0)
                .build();
        try (FineTuneResult result = new BertFineTuner().fit(train, validation, LABELS, settings, null, null)) {
            EpochMetrics best = result.history().get(result.bestEpoch() - 1);
            double bestF1 = result.history().stream()
                    .mapToDouble(EpochMetrics::validationMacroF1)
                    .max()
                    .orElseThrow();
            assertThat(best.validationMacroF1()).isEqualTo(bestF1);
            // the returned model is the best epoch's, not the last one's
            assertThat(result.validationMetrics().macroF1()).isCloseTo(best.validationMacroF1(), within(1e-9));
            assertThat(result.validationMetrics().loss()).isCloseTo(best.validationLoss(), within(1e-6));
            assertThat(result.warnings()).anyMatch(w -> w.startsWith("overfitting"));
        }
    }

    @Test
    void shouldHoldOutAValidationSplitWhenNoneIsGiven() {
        try (FineTuneResult result = new BertFineTuner()
                .fit(
                        TestData.topics(60, 51),
                        List.of(),
                        LABELS,
                        tiny().optStrategy(FineTuneStrategy.HEAD_ONLY)
                                .optHeadOnlyEpochs(2)
                                .build(),
                        null,
                        null)) {
            assertThat(result.validationExamples()).isEqualTo(6);
            assertThat(result.trainExamples()).isEqualTo(54);
            assertThat(result.warnings()).anyMatch(w -> w.contains("held out 6 of 60"));
        }
    }

    @Test
    void shouldRejectExamplesWithUnknownLabels() {
        List<LabeledText> train = List.of(new LabeledText("a text", "cooking"), new LabeledText("b", "golf"));
        assertThatThrownBy(() -> new BertFineTuner().fit(train, train, LABELS, tiny().build(), null, null))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'golf'");
    }

    private static org.assertj.core.data.Offset<Double> within(double value) {
        return org.assertj.core.data.Offset.offset(value);
    }
}
