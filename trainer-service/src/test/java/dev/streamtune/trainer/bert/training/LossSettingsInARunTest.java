package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.trainer.bert.TestData;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Class weights and label smoothing reach the loss of a real run (head only on a tiny BERT, same data and seed):
 * weighting a label up raises the probability the model gives it, smoothing lowers the model's confidence.
 */
class LossSettingsInARunTest {

    private static final List<LabeledText> TRAIN = TestData.topics(48, 41);
    private static final List<LabeledText> VALIDATION = TestData.topics(24, 42);

    @Test
    void shouldRaiseTheProbabilityOfALabelWeightedUp() {
        double plain = meanProbability(run(base().build()), 1);
        double weighted = meanProbability(
                run(base().optClassWeights(Map.of("sports", 20.0)).build()), 1);

        assertThat(weighted).isGreaterThan(plain + 0.05);
    }

    @Test
    void shouldLowerTheConfidenceWithLabelSmoothing() {
        double plain = meanConfidence(run(base().build()));
        double smoothed = meanConfidence(run(base().optLabelSmoothing(0.6).build()));

        assertThat(smoothed).isLessThan(plain - 0.02);
        assertThat(smoothed).isLessThanOrEqualTo(1 - 0.6 / 2 + 0.05); // the smoothed target's own maximum, roughly
    }

    private static FineTuneSettings.Builder base() {
        return FineTuneBehaviourTest.tiny()
                .optStrategy(FineTuneStrategy.HEAD_ONLY)
                .optHeadLearningRate(0.1)
                .optHeadOnlyEpochs(20)
                .optPatience(20)
                .optSeed(3);
    }

    private static float[][] run(FineTuneSettings settings) {
        try (FineTuneResult result =
                new BertFineTuner().fit(TRAIN, VALIDATION, FineTuneBehaviourTest.LABELS, settings, null, null)) {
            assertThat(result.classifier().labels()).isEqualTo(FineTuneBehaviourTest.LABELS);
            return result.classifier()
                    .predictProbabilities(
                            VALIDATION.stream().map(LabeledText::text).toList());
        }
    }

    private static double meanProbability(float[][] probabilities, int label) {
        double sum = 0;
        for (float[] p : probabilities) {
            sum += p[label];
        }
        return sum / probabilities.length;
    }

    private static double meanConfidence(float[][] probabilities) {
        double sum = 0;
        for (float[] p : probabilities) {
            sum += Math.max(p[0], p[1]);
        }
        return sum / probabilities.length;
    }
}
