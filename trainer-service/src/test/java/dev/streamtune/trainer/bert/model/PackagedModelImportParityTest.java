package dev.streamtune.trainer.bert.model;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.engine.Engine;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.tokenizer.TokenBatch;
import dev.streamtune.trainer.bert.checkpoint.BaseModelSource;
import dev.streamtune.trainer.bert.checkpoint.CheckpointLoader;
import dev.streamtune.trainer.bert.checkpoint.PretrainedBert;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The DJL/PyTorch encoder with the imported weights of each base model the trainer ships computes what that model's
 * original ONNX graph computes in ONNX Runtime.
 */
class PackagedModelImportParityTest {

    static final double TOLERANCE = 1e-4;

    static Stream<Arguments> packagedModels() {
        return Stream.of(
                Arguments.of(BaseModelSource.miniLm(), 6, Pooling.MEAN),
                Arguments.of(BaseModelSource.bgeSmall(), 12, Pooling.CLS));
    }

    @ParameterizedTest
    @MethodSource("packagedModels")
    void shouldMatchOnnxRuntimeOnTheOriginalOnnx(BaseModelSource source, int layers, Pooling pooling) throws Exception {
        BaseModelSource.Packaged packaged = (BaseModelSource.Packaged) source;
        PretrainedBert base = CheckpointLoader.load(source);
        assertThat(base.weights().config().numHiddenLayers()).isEqualTo(layers);
        assertThat(base.weights().config().hiddenSize()).isEqualTo(384);
        assertThat(base.defaultPooling()).isEqualTo(pooling);
        assertThat(base.description()).isEqualTo(packaged.name());
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
            float[] reference = onnxRuntimeHiddenState(packaged.onnxResource(), batch);
            assertThat(ours).hasSameSizeAs(reference);
            double maxDiff = 0;
            for (int i = 0; i < ours.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(ours[i] - reference[i]));
            }
            System.out.printf(
                    "%s import parity: max |DJL - ONNX Runtime| = %.3g over %d values%n",
                    packaged.id(), maxDiff, ours.length);
            assertThat(maxDiff).isLessThanOrEqualTo(TOLERANCE);
        }
    }

    private static float[] onnxRuntimeHiddenState(String resource, TokenBatch batch) throws Exception {
        Engine.getEngine("OnnxRuntime");
        OrtEnvironment env = OrtEnvironment.getEnvironment();
        byte[] model;
        try (InputStream in =
                PackagedModelImportParityTest.class.getClassLoader().getResourceAsStream(resource)) {
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
            // the first output of both exports is last_hidden_state [batch, seq, 384]
            FloatBuffer out = ((OnnxTensor) result.get(0)).getFloatBuffer();
            float[] values = new float[out.remaining()];
            out.get(values);
            return values;
        }
    }
}
