package dev.streamtune.trainer.bert.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.onnx.OnnxBertImporter;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.checkpoint.CheckpointLoader;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The DJL/PyTorch encoder with imported MiniLM weights computes what the original MiniLM ONNX computes. */
class MiniLmImportParityTest {

    static final double TOLERANCE = 1e-4;

    @Test
    void shouldMatchOnnxRuntimeOnTheOriginalMiniLmOnnx() throws Exception {
        PretrainedBert base = CheckpointLoader.load(BaseModelSource.miniLm());
        assertThat(base.weights().config().numHiddenLayers()).isEqualTo(6);
        try (BertClassifier djl = BertClassifier.builder()
                .setBase(base)
                .setLabels(List.of("a", "b"))
                .optMaxLength(64)
                .build()) {
            // texts of different lengths, so padding and the attention mask are exercised
            TokenBatch batch = TokenBatch.pad(
                    djl.tokenizer()
                            .encodeBatch(
                                    List.of(
                                            "Hello world!",
                                            "The quick brown fox jumps over the lazy dog near the riverbank.",
                                            "Unbelievable offer: claim your FREE cruise now, limited time only!!!"),
                                    64),
                    djl.tokenizer().padTokenId());
            float[] ours = djl.lastHiddenState(batch);
            float[] reference = onnxRuntimeHiddenState(batch);
            assertThat(ours).hasSameSizeAs(reference);
            double maxDiff = 0;
            for (int i = 0; i < ours.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(ours[i] - reference[i]));
            }
            System.out.printf(
                    "MiniLM import parity: max |DJL - ONNX Runtime| = %.3g over %d values%n", maxDiff, ours.length);
            assertThat(maxDiff).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    private static float[] onnxRuntimeHiddenState(TokenBatch batch) throws Exception {
        Engine.getEngine("OnnxRuntime");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        byte[] model;
        try (InputStream in = MiniLmImportParityTest.class
                .getClassLoader()
                .getResourceAsStream(OnnxBertImporter.ALL_MINILM_L6_V2_RESOURCE)) {
            model = in.readAllBytes();
        }
        long[] shape = batch.shape();
        try (OrtSession session = env.createSession(model, new OrtSession.SessionOptions());
                OnnxTensor ids = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.inputIds()), shape);
                OnnxTensor mask = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.attentionMask()), shape);
                OnnxTensor types = OnnxTensor.createTensor(env, LongBuffer.wrap(batch.tokenTypeIds()), shape);
                OrtSession.Result result = session.run(Map.of(
                        ModelArtifact.INPUT_IDS, ids,
                        ModelArtifact.ATTENTION_MASK, mask,
                        ModelArtifact.TOKEN_TYPE_IDS, types))) {
            // the first output of the MiniLM export is last_hidden_state [batch, seq, 384]
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] values = new float[out.remaining()];
            out.get(values);
            return values;
        }
    }
}
