package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class LinearWarmupScheduleTest {

    @Test
    void shouldClimbLinearlyToThePeakThenDecayTowardsZero() {
        LinearWarmupSchedule schedule = LinearWarmupSchedule.of(1e-4, 0.1, 100);
        assertThat(schedule.warmupSteps()).isEqualTo(10);
        assertThat(schedule.learningRate(1)).isCloseTo(1e-5, within(1e-12));
        assertThat(schedule.learningRate(5)).isCloseTo(5e-5, within(1e-12));
        assertThat(schedule.learningRate(10)).isCloseTo(1e-4, within(1e-12));
        assertThat(schedule.learningRate(11)).isCloseTo(1e-4, within(1e-12));
        assertThat(schedule.learningRate(12)).isLessThan(1e-4);
        assertThat(schedule.learningRate(56)).isCloseTo(0.5e-4, within(1e-12));
        assertThat(schedule.learningRate(100)).isCloseTo(1e-4 / 90, within(1e-12));
    }

    @Test
    void shouldStartAtThePeakWithoutWarmup() {
        LinearWarmupSchedule schedule = LinearWarmupSchedule.of(2e-5, 0, 10);
        assertThat(schedule.learningRate(1)).isCloseTo(2e-5, within(1e-12));
    }
}
