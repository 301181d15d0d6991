package dev.streamtune.trainer.bert.evaluation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.trainer.bert.dataset.LabeledText;
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
    void shouldRejectAnExampleWithAnUnknownLabel() {
        assertThatThrownBy(() -> MetricsCalculator.compute(
                        LABELS, List.of(new LabeledText("x", "eggs")), new float[][] {{0.5f, 0.5f}}))
                .hasMessageContaining("'eggs'");
    }
}
