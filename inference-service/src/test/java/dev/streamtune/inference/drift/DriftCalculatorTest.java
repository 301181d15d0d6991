package dev.streamtune.inference.drift;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class DriftCalculatorTest {

    @Test
    void shouldGiveZeroPsiForIdenticalDistributions() {
        assertThat(DriftCalculator.psi(List.of(0.3, 0.7), List.of(0.3, 0.7))).isEqualTo(0.0);
    }

    @Test
    void shouldComputePsiAsSumOfDifferenceTimesLogRatio() {
        double expected = (0.9 - 0.5) * Math.log(0.9 / 0.5) + (0.1 - 0.5) * Math.log(0.1 / 0.5);

        assertThat(DriftCalculator.psi(List.of(0.5, 0.5), List.of(0.9, 0.1))).isCloseTo(expected, within(1e-12));
    }

    @Test
    void shouldRefuseAnEmptyBinUnsmoothed() {
        assertThatThrownBy(() -> DriftCalculator.psi(List.of(0.5, 0.5), List.of(1.0, 0.0)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldStayFiniteWhenABinIsEmpty() {
        double psi = DriftCalculator.smoothedPsi(List.of(0.5, 0.5), 100, List.of(1.0, 0.0), 100);

        assertThat(psi).isFinite().isGreaterThan(2.0);
    }

    @Test
    void shouldSmoothEachSideByItsOwnCount() {
        // (0 * 200 + 1) / (200 + 2) and (1 * 200 + 1) / (200 + 2)
        assertThat(DriftCalculator.smoothed(List.of(0.0, 1.0), 200)).containsExactly(1.0 / 202, 201.0 / 202);
    }

    @Test
    void shouldNotReadFivePercentInABinTheValidationSplitLeftEmptyAsDrift() {
        // 200 validation texts over ten token-length bins, the top one empty; live traffic is alike but for 5% there
        List<Double> baseline = List.of(0.1, 0.2, 0.2, 0.15, 0.15, 0.1, 0.05, 0.03, 0.02, 0.0);
        List<Double> live = List.of(0.095, 0.19, 0.19, 0.1425, 0.1425, 0.095, 0.0475, 0.0285, 0.019, 0.05);

        double psi = DriftCalculator.smoothedPsi(baseline, 200, live, 100);

        // under the default threshold of 0.25 (0.13); flooring the empty bin at 1e-4 read 0.31
        assertThat(psi).isLessThan(0.2);
    }
}
