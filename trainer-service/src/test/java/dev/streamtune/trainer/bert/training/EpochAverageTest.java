package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checkpoint averaging on real PyTorch tensors: the window, the mean written back, the keep rule. */
class EpochAverageTest {

    @Test
    void shouldWriteTheMeanOfTheLastKEpochsIntoTheParameters() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                EpochAverage window = new EpochAverage(3)) {
            Parameter w = parameter(manager, "w", new float[] {0f, 0f});
            Parameter b = parameter(manager, "b", new float[] {0f});
            // epoch e ends with w = (e, -2e), b = 10e
            for (int epoch = 1; epoch <= 4; epoch++) {
                w.getArray().set(new float[] {epoch, -2f * epoch});
                b.getArray().set(new float[] {10f * epoch});
                window.add(epoch, List.of(w, b));
            }
            assertThat(window.epochs()).containsExactly(2, 3, 4); // epoch 1 fell out of the window

            window.applyMean();

            assertThat(w.getArray().toFloatArray()).containsExactly(3f, -6f); // mean of 2, 3, 4
            assertThat(b.getArray().toFloatArray()).containsExactly(30f);
            // the copies were taken, not aliased: writing the mean did not change what is held
            window.applyMean();
            assertThat(w.getArray().toFloatArray()).containsExactly(3f, -6f);
        }
    }

    @Test
    void shouldHoldNothingWithAWindowOfOne() {
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
                EpochAverage window = new EpochAverage(1)) {
            Parameter w = parameter(manager, "w", new float[] {1f});
            window.add(1, List.of(w));
            window.add(2, List.of(w));
            assertThat(window.enabled()).isFalse();
            assertThat(window.epochs()).isEmpty();
            assertThatThrownBy(window::applyMean).isInstanceOf(IllegalStateException.class);
        }
        assertThatThrownBy(() -> new EpochAverage(0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldKeepTheAverageUnlessItGetsMoreThanOneMoreExampleWrong() {
        // 101 validation examples, the best epoch gets 1 wrong
        double best = 100.0 / 101;
        assertThat(EpochAverage.keep(best, best, 101)).isTrue();
        assertThat(EpochAverage.keep(1.0, best, 101)).isTrue();
        assertThat(EpochAverage.keep(99.0 / 101, best, 101)).isTrue(); // 2 wrong: one more
        assertThat(EpochAverage.keep(98.0 / 101, best, 101)).isFalse(); // 3 wrong
        assertThat(EpochAverage.keep(0.5, best, 101)).isFalse();
    }

    private static Parameter parameter(NDManager manager, String name, float[] values) {
        return Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.WEIGHT)
                .optArray(manager.create(values))
                .build();
    }
}
