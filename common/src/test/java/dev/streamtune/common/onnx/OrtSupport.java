package dev.streamtune.common.onnx;

import ai.djl.engine.Engine;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.tokenizer.TokenBatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.LongBuffer;
import java.util.HashMap;
import java.util.Map;

/** ONNX Runtime for tests (test-scoped dependency), and the MiniLM model loaded once per JVM. */
final class OrtSupport {

    private static byte[] miniLmBytes;
    private static BertWeights miniLmWeights;

    private OrtSupport() {}

    static synchronized OrtEnvironment environment() {
        // DJL's engine loads the ONNX Runtime natives its own way; it must come first.
        Engine.getEngine("OnnxRuntime");
        return OrtEnvironment.getEnvironment();
    }

    static OrtSession session(byte[] model) {
        return session(model, OrtSession.SessionOptions.OptLevel.ALL_OPT);
    }

    static OrtSession session(byte[] model, OrtSession.SessionOptions.OptLevel level) {
        try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
            options.setIntraOpNumThreads(2);
            options.setOptimizationLevel(level);
            return environment().createSession(model, options);
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime refused the model: " + e.getMessage(), e);
        }
    }

    static synchronized byte[] miniLmBytes() {
        if (miniLmBytes == null) {
            try (InputStream in = resource(OnnxBertImporter.ALL_MINILM_L6_V2_RESOURCE)) {
                miniLmBytes = in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return miniLmBytes;
    }

    static synchronized BertWeights miniLmWeights() {
        if (miniLmWeights == null) {
            try {
                miniLmWeights =
                        OnnxBertImporter.builder().build().importModel(new java.io.ByteArrayInputStream(miniLmBytes()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return miniLmWeights;
    }

    static InputStream resource(String name) {
        InputStream in = OrtSupport.class.getClassLoader().getResourceAsStream(name);
        if (in == null) {
            throw new IllegalStateException("test classpath lacks " + name);
        }
        return in;
    }

    /** Runs a session on a padded batch; returns every float output by name, flattened. */
    static Map<String, float[]> run(OrtSession session, TokenBatch batch) {
        OrtEnvironment env = environment();
        Map<String, OnnxTensor> inputs = new HashMap<>();
        try {
            inputs.put(ModelArtifact.INPUT_IDS, tensor(env, batch.inputIds(), batch.shape()));
            inputs.put(ModelArtifact.ATTENTION_MASK, tensor(env, batch.attentionMask(), batch.shape()));
            inputs.put(ModelArtifact.TOKEN_TYPE_IDS, tensor(env, batch.tokenTypeIds(), batch.shape()));
            Map<String, float[]> out = new HashMap<>();
            try (OrtSession.Result result = session.run(inputs)) {
                for (Map.Entry<String, ai.onnxruntime.OnnxValue> e : result) {
                    OnnxTensor t = (OnnxTensor) e.getValue();
                    float[] values = new float[size(t)];
                    t.getFloatBuffer().get(values);
                    out.put(e.getKey(), values);
                }
            }
            return out;
        } catch (OrtException e) {
            throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
        } finally {
            inputs.values().forEach(OnnxTensor::close);
        }
    }

    private static int size(OnnxTensor t) {
        long n = 1;
        for (long d : t.getInfo().getShape()) {
            n *= d;
        }
        return (int) n;
    }

    private static OnnxTensor tensor(OrtEnvironment env, long[] values, long[] shape) throws OrtException {
        return OnnxTensor.createTensor(env, LongBuffer.wrap(values), shape);
    }
}
