package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceSelectorTest {

    @Test
    void shouldResolveCpuAndAutoToWhatTheEngineHas() {
        Engine engine = Engine.getEngine("PyTorch");
        assertThat(DeviceSelector.resolve("cpu", engine)).containsExactly(Device.cpu());
        Device expected = engine.getGpuCount() > 0 ? Device.gpu(0) : Device.cpu();
        assertThat(DeviceSelector.resolve("auto", engine)).containsExactly(expected);
    }

    @Test
    void shouldExplainHowToGetAGpuWhenNoneIsVisible() {
        Engine engine = Engine.getEngine("PyTorch");
        if (engine.getGpuCount() == 0) {
            assertThatThrownBy(() -> DeviceSelector.resolve("gpus", engine))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("PYTORCH_FLAVOR=cu128");
        } else {
            assertThat(DeviceSelector.resolve("gpus", engine)).hasSize(engine.getGpuCount());
        }
    }

    @Test
    void shouldSplitABatchAcrossDevicesInContiguousParts() {
        List<int[]> parts = FineTuneRun.splitRows(new int[] {5, 6, 7, 8, 9}, 2);
        assertThat(parts).hasSize(2);
        assertThat(parts.get(0)).containsExactly(5, 6);
        assertThat(parts.get(1)).containsExactly(7, 8, 9);
        assertThat(FineTuneRun.splitRows(new int[] {1}, 4)).hasSize(1);
    }
}
