package dev.streamtune.inference.model;

import ai.djl.engine.Engine;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.io.IOException;
import java.nio.file.Path;

/** Opens ONNX Runtime sessions, always through DJL's OnnxRuntime engine (started first, so it owns the runtime). */
public final class OnnxRuntimes {

    /** DJL OnnxRuntime engine name. */
    public static final String ENGINE = "OnnxRuntime";

    /** How sessions are opened. */
    public enum Runtime {
        /** DJL's {@code Predictor} over the engine's model. */
        DJL,
        /** The engine's ONNX Runtime environment used directly: one copy less per batch. */
        RAW
    }

    /**
     * @param intraOpThreads threads per operator; 0 lets ONNX Runtime pick (every core)
     * @param interOpThreads threads across operators
     * @param allowSpinning whether ONNX Runtime's idle pool threads spin-wait for the next parallel section (its
     *     default: lowest latency per call, but they burn CPU the Kafka clients of a small pod could use)
     */
    public record Settings(Runtime runtime, int intraOpThreads, int interOpThreads, boolean allowSpinning) {

        public static final Settings DEFAULTS = new Settings(Runtime.RAW, 0, 1);

        public Settings(Runtime runtime, int intraOpThreads, int interOpThreads) {
            this(runtime, intraOpThreads, interOpThreads, true);
        }
    }

    private OnnxRuntimes() {}

    /**
     * Starts DJL's OnnxRuntime engine. Offline, and with no alternative engine: serving post-processes in plain Java,
     * so an NDArray operation on an ONNX Runtime output must fail loudly instead of silently borrowing PyTorch.
     */
    public static synchronized Engine start() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("ai.djl.onnx.disable_alternative") == null) {
            System.setProperty("ai.djl.onnx.disable_alternative", "true");
        }
        return Engine.getEngine(ENGINE);
    }

    /** Opens {@code model.onnx} with the given settings. */
    public static OnnxRunner open(Path modelFile, Settings settings) throws IOException {
        start();
        return switch (settings.runtime()) {
            case DJL -> DjlOrtRunner.open(modelFile, settings);
            case RAW -> RawOrtRunner.open(rawSession(modelFile, settings));
        };
    }

    /** A plain ONNX Runtime session in the environment DJL's engine started (the benchmark's baseline uses it too). */
    public static OrtSession rawSession(Path modelFile, Settings settings) throws IOException {
        start();
        try {
            OrtEnvironment env = OrtEnvironment.getEnvironment();
            try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
                options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
                if (settings.intraOpThreads() > 0) {
                    options.setIntraOpNumThreads(settings.intraOpThreads());
                }
                if (settings.interOpThreads() > 0) {
                    options.setInterOpNumThreads(settings.interOpThreads());
                }
                if (!settings.allowSpinning()) {
                    options.addConfigEntry("session.intra_op.allow_spinning", "0");
                    options.addConfigEntry("session.inter_op.allow_spinning", "0");
                }
                return env.createSession(modelFile.toString(), options);
            }
        } catch (OrtException e) {
            throw new IOException("ONNX Runtime cannot load " + modelFile.getFileName() + ": " + e.getMessage(), e);
        }
    }
}
