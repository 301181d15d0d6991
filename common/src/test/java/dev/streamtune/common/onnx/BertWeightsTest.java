package dev.streamtune.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class BertWeightsTest {

    private static final BertConfig TINY = new BertConfig(50, 8, 3, 2, 16, 12, 2, 1e-12, BertConfig.GELU, 0);

    @Test
    void shouldExpectTheParametersOfAHuggingFaceBertModel() {
        var shapes = BertWeights.expectedShapes(TINY, true);

        assertThat(shapes).hasSize(5 + 16 * 3 + 2);
        assertThat(shapes.get("embeddings.word_embeddings.weight")).containsExactly(50, 8);
        assertThat(shapes.get("encoder.layer.2.intermediate.dense.weight")).containsExactly(16, 8);
        assertThat(shapes.get("encoder.layer.2.output.dense.weight")).containsExactly(8, 16);
        assertThat(shapes.get("pooler.dense.weight")).containsExactly(8, 8);
        assertThat(BertWeights.expectedShapes(TINY, false)).doesNotContainKey("pooler.dense.bias");
    }

    @Test
    void shouldListEveryMissingUnexpectedAndMisShapedTensorAtOnce() {
        List<NamedTensor> tensors =
                new ArrayList<>(BertWeights.random(TINY, 1).tensors().values());
        tensors.removeIf(t -> t.name().equals("encoder.layer.1.attention.self.key.bias")
                || t.name().equals("embeddings.LayerNorm.weight"));
        tensors.replaceAll(t -> t.name().equals("encoder.layer.0.output.dense.weight") ? t.transposed() : t);
        tensors.add(NamedTensor.of("cls.predictions.bias", new float[50], 50));
        BertWeights weights = BertWeights.of(TINY, tensors);

        assertThatThrownBy(weights::validate)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(
                        "2 missing: embeddings.LayerNorm.weight[8], encoder.layer.1.attention.self.key.bias[8]")
                .hasMessageContaining("1 unexpected: cls.predictions.bias[50]")
                .hasMessageContaining("1 mis-shaped: encoder.layer.0.output.dense.weight is [16, 8], expected [8, 16]");
    }

    @Test
    void shouldDropTheBertPrefixOfClassifierCheckpoints() {
        List<NamedTensor> tensors = new ArrayList<>();
        BertWeights.random(TINY, 2).tensors().values().forEach(t -> tensors.add(t.renamed("bert." + t.name())));

        BertWeights weights = BertWeights.of(TINY, tensors).validate();

        assertThat(weights.tensors()).containsKey("embeddings.word_embeddings.weight");
    }

    @Test
    void shouldKeepTheFirstLayersOnly() {
        BertWeights full = BertWeights.random(TINY, true, 3);

        BertWeights cut = full.keepLayers(1).validate();

        assertThat(cut.config().numHiddenLayers()).isEqualTo(1);
        assertThat(cut.tensors().keySet())
                .noneMatch(n -> n.startsWith("encoder.layer.1.") || n.startsWith("encoder.layer.2."));
        assertThat(cut.hasPooler()).isTrue();
        assertThat(cut.tensor("encoder.layer.0.output.dense.weight"))
                .isEqualTo(full.tensor("encoder.layer.0.output.dense.weight"));
    }

    @Test
    void shouldDrawTheSameRandomWeightsForTheSameSeed() {
        assertThat(BertWeights.random(TINY, 7).tensors())
                .isEqualTo(BertWeights.random(TINY, 7).tensors());
        assertThat(BertWeights.random(TINY, 7).tensors())
                .isNotEqualTo(BertWeights.random(TINY, 8).tensors());
        assertThat(BertWeights.random(TINY, 7).keepLayers(2).tensors())
                .isEqualTo(BertWeights.random(TINY.withLayers(2), 7).tensors());
    }

    @Test
    void shouldTransposeAMatrix() {
        NamedTensor m = NamedTensor.of("m", new float[] {1, 2, 3, 4, 5, 6}, 2, 3);

        NamedTensor t = m.transposed();

        assertThat(t.shape()).containsExactly(3, 2);
        assertThat(t.data()).containsExactly(1, 4, 2, 5, 3, 6);
        assertThatThrownBy(() -> NamedTensor.of("bad", new float[5], 2, 3))
                .hasMessageContaining("bad: shape [2, 3] holds 6 values but data has 5");
    }
}
