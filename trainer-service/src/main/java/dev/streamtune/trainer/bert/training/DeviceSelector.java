package dev.streamtune.trainer.bert.training;

import ai.djl.Device;
import ai.djl.engine.Engine;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Turns a device setting into DJL devices: {@code cpu}; {@code gpu} or {@code gpu:N} (one GPU); {@code gpus} (every
 * visible GPU, data parallel: each batch is split across them and gradients are summed); {@code auto} (the first GPU if
 * the engine sees one, else the CPU).
 */
public final class DeviceSelector {

    private static final Pattern SYNTAX = Pattern.compile("cpu|gpu|gpu:\\d{1,2}|gpus|auto");

    private DeviceSelector() {}

    public static void validate(String device) {
        if (!SYNTAX.matcher(device.toLowerCase(Locale.ROOT)).matches()) {
            throw new IllegalArgumentException("device '" + device + "' is not one of cpu, gpu, gpu:N, gpus, auto");
        }
    }

    /** @throws IllegalStateException when GPUs are asked for and the engine sees none */
    public static Device[] resolve(String device, Engine engine) {
        validate(device);
        String value = device.toLowerCase(Locale.ROOT);
        int gpus = engine.getGpuCount();
        switch (value) {
            case "cpu":
                return new Device[] {Device.cpu()};
            case "auto":
                return new Device[] {gpus > 0 ? Device.gpu(0) : Device.cpu()};
            case "gpus":
                requireGpus(device, gpus, 1);
                return engine.getDevices(gpus);
            default:
                int index = value.equals("gpu") ? 0 : Integer.parseInt(value.substring(4));
                requireGpus(device, gpus, index + 1);
                return new Device[] {Device.gpu(index)};
        }
    }

    private static void requireGpus(String device, int visible, int needed) {
        if (visible < needed) {
            throw new IllegalStateException("device '" + device + "' needs " + needed + " GPU(s) but the "
                    + "PyTorch engine sees " + visible
                    + " (a GPU node needs libtorch 2.7.1+cu128: set PYTORCH_LIBRARY_PATH,"
                    + " PYTORCH_VERSION=2.7.1 and PYTORCH_FLAVOR=cu128)");
        }
    }
}
