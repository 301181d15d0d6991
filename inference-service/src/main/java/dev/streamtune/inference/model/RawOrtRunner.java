package dev.streamtune.inference.model;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OnnxValue;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.tokenizer.TokenBatch;
import java.io.IOException;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.Map;
import java.util.Set;

/** Runs the graph on an ONNX Runtime session, asking only for the probabilities output. */
final class RawOrtRunner implements OnnxRunner {

    private final OrtEnvironment env;
    private final OrtSession session;
    private final Set<String> outputs = Set.of(ModelArtifact.PROBABILITIES);
    private final int declaredLabels;

    private RawOrtRunner(OrtSession session, int declaredLabels) {
        this.env = OrtEnvironment.getEnvironment();
        this.session = session;
        this.declaredLabels = declaredLabels;
    }

    static RawOrtRunner open(OrtSession session) throws IOException {
        try {
            for (String input :
                    new String[] {ModelArtifact.INPUT_IDS, ModelArtifact.ATTENTION_MASK, ModelArtifact.TOKEN_TYPE_IDS
                    }) {
                if (!session.getInputNames().contains(input)) {
                    throw new IOException(
                            "model.onnx has no input '" + input + "' (inputs: " + session.getInputNames() + ")");
                }
            }
            NodeInfo probs = session.getOutputInfo().get(ModelArtifact.PROBABILITIES);
            if (probs == null) {
                throw new IOException("model.onnx has no output '" + ModelArtifact.PROBABILITIES + "' (outputs: "
                        + session.getOutputNames() + ")");
            }
            return new RawOrtRunner(session, declaredWidth(probs));
        } catch (OrtException | IOException e) {
            closeQuietly(session);
            throw e instanceof IOException io ? io : new IOException(e.getMessage(), e);
        }
    }

    static int declaredWidth(NodeInfo info) {
        if (info.getInfo() instanceof TensorInfo tensor) {
            long[] shape = tensor.getShape();
            if (shape.length == 2 && shape[1] > 0) {
                return (int) shape[1];
            }
        }
        return -1;
    }

    @Override
    public float[] probabilities(TokenBatch batch) throws OrtException {
        long[] shape = batch.shape();
        try (OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.inputIds()), shape);
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.attentionMask()), shape);
                OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.tokenTypeIds()), shape);
                OrtSession.Result result = session.run(
                        Map.of(
                                ModelArtifact.INPUT_IDS, ids,
                                ModelArtifact.ATTENTION_MASK, mask,
                                ModelArtifact.TOKEN_TYPE_IDS, types),
                        outputs)) {
            OnnxValue value = result.get(ModelArtifact.PROBABILITIES)
                    .orElseThrow(() -> new IllegalStateException("no probabilities output"));
            FloatBuffer buffer = ((OnnxTensor) value).getFloatBuffer();
            float[] out = new float[buffer.remaining()];
            buffer.get(out);
            return out;
        }
    }

    @Override
    public int declaredLabels() {
        return declaredLabels;
    }

    @Override
    public void close() {
        closeQuietly(session);
    }

    private static void closeQuietly(OrtSession session) {
        try {
            session.close();
        } catch (OrtException e) {
            // closing a session only fails if it was closed already
        }
    }
}
