package dev.streamtune.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.streamtune.common.json.Json;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricsCalculatorTest {

    static final List<String> LABELS = List.of("ham", "spam");

    @Test
    void shouldComputeAccuracyF1ConfusionCalibrationAndLoss() throws Exception {
        int[] truth = {0, 0, 0, 1};
        float[][] p = {{0.95f, 0.05f}, {0.85f, 0.15f}, {0.375f, 0.625f}, {0.25f, 0.75f}};
        ClassificationMetrics m = MetricsCalculator.compute(LABELS, truth, p);

        assertThat(m.examples()).isEqualTo(4);
        assertThat(m.accuracy()).isEqualTo(0.75);
        assertThat(m.confusion()).containsExactly(List.of(2L, 1L), List.of(0L, 1L));
        assertThat(m.perClass().get("ham").precision()).isEqualTo(1.0);
        assertThat(m.perClass().get("ham").recall()).isCloseTo(2.0 / 3, within(1e-12));
        assertThat(m.perClass().get("spam").precision()).isEqualTo(0.5);
        assertThat(m.perClass().get("spam").f1()).isCloseTo(2 * 0.5 / 1.5, within(1e-12));
        assertThat(m.macroF1()).isCloseTo((0.8 + 2.0 / 3) / 2, within(1e-12));
        double loss = -(Math.log(0.95) + Math.log(0.85) + Math.log(0.375) + Math.log(0.75)) / 4;
        assertThat(m.loss()).isCloseTo(loss, within(1e-6));
        // confidences 0.95 (correct), 0.85 (correct), 0.625 (wrong), 0.75 (correct): one per bin
        double ece = (Math.abs(1 - 0.95) + Math.abs(1 - 0.85) + Math.abs(0 - 0.625) + Math.abs(1 - 0.75)) / 4;
        assertThat(m.expectedCalibrationError()).isCloseTo(ece, within(1e-6));
        // serialisable and back
        ClassificationMetrics back = Json.mapper().readValue(Json.write(m), ClassificationMetrics.class);
        assertThat(back).isEqualTo(m);
    }

    @Test
    void shouldAverageF1OverLabelsThatOccur() {
        ClassificationMetrics m = MetricsCalculator.compute(
                List.of("a", "b", "c"), new int[] {0, 1}, new float[][] {{1, 0, 0}, {0, 1, 0}});
        assertThat(m.macroF1()).isEqualTo(1.0);
    }

    @Test
    void shouldAverageF1OverLabelsTrueOrPredictedAsScikitLearnDoes() {
        // 'c' is predicted but never true, 'd' occurs nowhere. scikit-learn:
        // f1_score(["a","a","b","b"], ["a","b","b","c"], average="macro") == (2/3 + 1/2 + 0) / 3
        List<String> labels = List.of("a", "b", "c", "d");
        List<String> truth = List.of("a", "a", "b", "b");
        List<double[]> p = List.of(
                new double[] {0.7, 0.1, 0.1, 0.1},
                new double[] {0.1, 0.7, 0.1, 0.1},
                new double[] {0.1, 0.7, 0.1, 0.1},
                new double[] {0.1, 0.1, 0.7, 0.1});
        double expected = (2.0 / 3 + 0.5 + 0) / 3;

        ClassificationMetrics byName = MetricsCalculator.compute(labels, truth, labels, p);
        ClassificationMetrics byIndex = MetricsCalculator.compute(
                labels,
                new int[] {0, 0, 1, 1},
                p.stream().map(MetricsCalculatorTest::floats).toArray(float[][]::new));

        assertThat(byName.macroF1()).isCloseTo(expected, within(1e-12));
        assertThat(byIndex.macroF1()).isEqualTo(byName.macroF1());
        assertThat(byIndex.perClass()).isEqualTo(byName.perClass());
        assertThat(byName.perClass().get("c").f1()).isZero();
        assertThat(byName.perClass().get("d").support()).isZero();
    }

    @Test
    void shouldScoreAModelWithOtherLabelsByName() {
        // the model knows a removed label 'old' and lacks the new 'c': 'old' predictions are misses counted with
        // F1 0 in the average, as scikit-learn would count the label "old"; 'c' is never predicted
        List<String> labels = List.of("a", "b", "c");
        List<String> truth = List.of("a", "b", "c", "c");
        List<String> modelLabels = List.of("b", "old", "a");
        List<double[]> p = List.of(
                new double[] {0.1, 0.1, 0.8}, // a
                new double[] {0.6, 0.3, 0.1}, // b
                new double[] {0.2, 0.7, 0.1}, // old
                new double[] {0.5, 0.2, 0.3}); // b

        ClassificationMetrics m = MetricsCalculator.compute(labels, truth, modelLabels, p);

        assertThat(m.accuracy()).isEqualTo(0.5);
        assertThat(m.confusion()).containsExactly(List.of(1L, 0L, 0L), List.of(0L, 1L, 0L), List.of(0L, 1L, 0L));
        assertThat(m.perClass().get("c").support()).isEqualTo(2);
        assertThat(m.perClass().get("c").recall()).isZero();
        // a: F1 1; b: P 1/2 R 1 F1 2/3; c: 0; old: 0
        assertThat(m.macroF1()).isCloseTo((1 + 2.0 / 3) / 4, within(1e-12));
        // the probability of 'c' is 0 for a model without it
        assertThat(m.loss()).isCloseTo(-(Math.log(0.8) + Math.log(0.6) + 2 * Math.log(1e-12)) / 4, within(1e-9));
    }

    @Test
    void shouldRejectAnExampleWithAnUnknownLabel() {
        assertThatThrownBy(() -> MetricsCalculator.compute(LABELS, List.of("eggs"), new float[][] {{0.5f, 0.5f}}))
                .hasMessageContaining("'eggs'");
    }

    private static float[] floats(double[] values) {
        float[] f = new float[values.length];
        for (int i = 0; i < values.length; i++) {
            f[i] = (float) values[i];
        }
        return f;
    }
}
