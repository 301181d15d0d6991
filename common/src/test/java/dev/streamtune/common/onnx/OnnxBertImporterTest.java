package dev.streamtune.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnx.proto.OnnxMl;
import com.google.protobuf.ByteString;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class OnnxBertImporterTest {

    private static OnnxMl.ModelProto miniLm;

    @BeforeAll
    static void parse() throws IOException {
        miniLm = OnnxBertImporter.parse(new ByteArrayInputStream(OrtSupport.miniLmBytes()));
    }

    @Test
    void shouldImportEveryMiniLmParameterWithTheShapesOfItsConfig() {
        BertWeights weights = OrtSupport.miniLmWeights();

        assertThat(weights.config()).isEqualTo(BertConfig.ALL_MINILM_L6_V2);
        assertThat(weights.hasPooler()).isFalse();
        Map<String, long[]> expected = BertWeights.expectedShapes(BertConfig.ALL_MINILM_L6_V2, false);
        assertThat(weights.tensors().keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        expected.forEach((name, shape) ->
                assertThat(weights.tensor(name).shape()).as(name).isEqualTo(shape));
        assertThat(weights.problems()).isEmpty();
        assertThat(expected).hasSize(5 + 16 * 6);
        assertThat(weights.parameterCount()).isEqualTo(22_565_376L);
    }

    @Test
    void shouldTransposeMatMulWeightsBackToPyTorchLayout() {
        // torch.onnx stores x·Wᵀ's right operand [in, out] under a generated name; find it through the graph.
        String generated = miniLm.getGraph().getNodeList().stream()
                .filter(n -> n.getName().equals("/encoder/layer.0/intermediate/dense/MatMul"))
                .findFirst()
                .orElseThrow()
                .getInput(1);
        assertThat(generated).startsWith("onnx::MatMul_");
        NamedTensor stored = OnnxBertImporter.readFloats(initializer(generated), generated);
        assertThat(stored.shape()).containsExactly(384, 1536);

        NamedTensor imported = OrtSupport.miniLmWeights().tensor("encoder.layer.0.intermediate.dense.weight");

        assertThat(imported.shape()).containsExactly(1536, 384);
        for (int[] at : new int[][] {{0, 0}, {1, 0}, {0, 1}, {1535, 383}, {700, 5}}) {
            assertThat(imported.data()[at[0] * 384 + at[1]]).isEqualTo(stored.data()[at[1] * 1536 + at[0]]);
        }
    }

    @Test
    void shouldNameAMissingInitializer() {
        OnnxMl.ModelProto broken = withInitializers(list -> list.stream()
                .filter(t -> !t.getName().equals("encoder.layer.3.output.LayerNorm.bias"))
                .toList());

        assertThatThrownBy(() -> OnnxBertImporter.builder().build().importModel(broken))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("1 missing: encoder.layer.3.output.LayerNorm.bias[384]");
    }

    @Test
    void shouldRejectTruncatedRawData() {
        OnnxMl.ModelProto broken = withInitializer(
                "encoder.layer.1.attention.self.key.bias",
                t -> t.toBuilder().setRawData(t.getRawData().substring(0, 1532)).build());

        assertThatThrownBy(() -> OnnxBertImporter.builder().build().importModel(broken))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("encoder.layer.1.attention.self.key.bias")
                .hasMessageContaining("is corrupt: shape [384] needs 1536 bytes, raw data has 1532");
    }

    @Test
    void shouldRejectNonFiniteValues() {
        OnnxMl.ModelProto broken = withInitializer("embeddings.LayerNorm.weight", t -> {
            byte[] raw = t.getRawData().toByteArray();
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 * 17, Float.NaN);
            return t.toBuilder().setRawData(ByteString.copyFrom(raw)).build();
        });

        assertThatThrownBy(() -> OnnxBertImporter.builder().build().importModel(broken))
                .hasMessageContaining(
                        "embeddings.LayerNorm.weight (embeddings.LayerNorm.weight) is corrupt: value 17 is NaN");
    }

    @Test
    void shouldListMisShapedParameters() {
        // the intermediate projection's [384, 1536] relabelled [1536, 384]: same bytes, wrong shape
        String generated = miniLm.getGraph().getNodeList().stream()
                .filter(n -> n.getName().equals("/encoder/layer.2/intermediate/dense/MatMul"))
                .findFirst()
                .orElseThrow()
                .getInput(1);
        OnnxMl.ModelProto broken = withInitializer(
                generated,
                t -> t.toBuilder().clearDims().addDims(1536).addDims(384).build());

        assertThatThrownBy(() -> OnnxBertImporter.builder().build().importModel(broken))
                .hasMessageContaining("1 mis-shaped: encoder.layer.2.intermediate.dense.weight is [384, 1536],"
                        + " expected [1536, 384]");
    }

    @Test
    void shouldNameInitializersItCannotPlace() {
        OnnxMl.TensorProto stray = OnnxMl.TensorProto.newBuilder()
                .setName("onnx::MatMul_9999")
                .setDataType(OnnxMl.TensorProto.DataType.FLOAT_VALUE)
                .addDims(4)
                .addDims(4)
                .setRawData(ByteString.copyFrom(new byte[64]))
                .build();
        OnnxMl.ModelProto broken = withInitializers(list -> {
            java.util.List<OnnxMl.TensorProto> more = new java.util.ArrayList<>(list);
            more.add(stray);
            return more;
        });

        assertThatThrownBy(() -> OnnxBertImporter.builder().build().importModel(broken))
                .hasMessageContaining("initializers not recognised as BERT parameters: onnx::MatMul_9999[4, 4]");
    }

    @Test
    void shouldTakeSettingsTheGraphCannotShow() {
        BertWeights weights = OnnxBertImporter.builder()
                .optLayerNormEps(1e-5)
                .optPadTokenId(3)
                .build()
                .importModel(miniLm);

        assertThat(weights.config().layerNormEps()).isEqualTo(1e-5);
        assertThat(weights.config().padTokenId()).isEqualTo(3);
        assertThat(weights.config().numAttentionHeads()).isEqualTo(12);
    }

    @Test
    void shouldRefuseBytesThatAreNotAnOnnxModel() {
        assertThatThrownBy(() -> OnnxBertImporter.builder()
                        .build()
                        .importModel(new ByteArrayInputStream("{\"not\": \"onnx\"}".getBytes())))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not an ONNX model");
    }

    private static OnnxMl.TensorProto initializer(String name) {
        return miniLm.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static OnnxMl.ModelProto withInitializer(String name, UnaryOperator<OnnxMl.TensorProto> change) {
        return withInitializers(list -> list.stream()
                .map(t -> t.getName().equals(name) ? change.apply(t) : t)
                .toList());
    }

    private static OnnxMl.ModelProto withInitializers(UnaryOperator<java.util.List<OnnxMl.TensorProto>> change) {
        OnnxMl.GraphProto graph = miniLm.getGraph().toBuilder()
                .clearInitializer()
                .addAllInitializer(change.apply(miniLm.getGraph().getInitializerList()))
                .build();
        return miniLm.toBuilder().setGraph(graph).build();
    }
}
