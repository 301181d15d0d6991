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

    /** Settings under which the tiny model memorises: every epoch runs, no dropout, a high learning rate. */
    private static FineTuneSettings.Builder memorising() {
        return tiny().optStrategy(FineTuneStrategy.FULL)
                .optEpochs(8)
                .optPatience(8)
                .optLearningRate(3e-3)
                .optDropout(0);
    }

    /** Random labels: training loss falls by memorising while validation gets worse. */
    private static FineTuneResult memoriseNoise(FineTuneSettings settings) {
        return new BertFineTuner().fit(TestData.noise(64, 41), TestData.noise(32, 42), LABELS, settings, null, null);
    }

    @Test
    void shouldKeepTheBestEpochsWeightsAndWarnAboutOverfittingOnNoise() {
        try (FineTuneResult result = memoriseNoise(memorising().build())) {
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
    void shouldKeepTheMeanOfTheLastEpochsWithoutChangingHowTheyTrain() {
        List<LabeledText> train = TestData.topics(48, 61);
        List<LabeledText> validation = TestData.topics(16, 62);
        FineTuneSettings.Builder settings = tiny().optStrategy(FineTuneStrategy.FULL)
                .optEpochs(6)
                .optPatience(6)
                .optLearningRate(3e-3)
                .optSeed(5);
        BertFineTuner tuner = new BertFineTuner();
        try (FineTuneResult best = tuner.fit(train, validation, LABELS, settings.build(), null, null);
                FineTuneResult averaged = tuner.fit(
                        train, validation, LABELS, settings.optAverageEpochs(2).build(), null, null)) {
            // the same epochs ran; only what is kept at the end differs
            assertThat(averaged.history())
                    .usingRecursiveFieldByFieldElementComparatorIgnoringFields("seconds")
                    .isEqualTo(best.history());
            assertThat(best.averagedEpochs()).isEmpty();
            assertThat(averaged.averagedEpochs()).containsExactly(5, 6);
            assertThat(averaged.hyperParameters())
                    .containsEntry("averageEpochs", 2)
                    .containsEntry("averagedEpochs", List.of(5, 6));
            float[] kept = averaged.classifier().head().weight().data();
            float[] bestEpoch = best.classifier().head().weight().data();
            assertThat(kept).isNotEqualTo(bestEpoch);
            // within one example's macro-F1 of the best epoch, or it would not have been kept
            double bestF1 = best.history().get(best.bestEpoch() - 1).validationMacroF1();
            assertThat(averaged.validationMetrics().macroF1()).isGreaterThanOrEqualTo(bestF1 - 1.0 / 16);
        }
    }

    @Test
    void shouldFallBackToTheBestEpochWhenTheMeanGetsMoreExamplesWrong() {
        // a head memorising random labels: its best validation epoch is a lucky early one (18 of 32 right), the mean
        // of its last two epochs gets 15 right
        FineTuneSettings settings = tiny().optStrategy(FineTuneStrategy.HEAD_ONLY)
                .optHeadOnlyEpochs(30)
                .optPatience(30)
                .optHeadLearningRate(2e-2)
                .optDropout(0)
                .optAverageEpochs(2)
                .build();
        try (FineTuneResult result = memoriseNoise(settings)) {
            assertThat(result.averagedEpochs()).isEmpty();
            assertThat(result.bestEpoch()).isLessThan(29);
            EpochMetrics best = result.history().get(result.bestEpoch() - 1);
            // the returned model is the best epoch's again, not the mean written over it
            assertThat(result.validationMetrics().accuracy()).isEqualTo(best.validationAccuracy());
            assertThat(result.validationMetrics().loss()).isCloseTo(best.validationLoss(), within(1e-6));
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
