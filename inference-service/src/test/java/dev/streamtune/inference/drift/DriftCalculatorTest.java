package dev.streamtune.inference.drift;

import static org.assertj.core.api.Assertions.assertThat;
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
    void shouldStayFiniteWhenABinIsEmpty() {
        double psi = DriftCalculator.psi(List.of(0.5, 0.5), List.of(1.0, 0.0));

        assertThat(psi).isFinite().isGreaterThan(2.0);
    }
}
