package dev.streamtune.common.onnx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.common.json.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BertConfigTest {

    @Test
    void shouldReadTheHuggingFaceConfigOfAllMiniLm() throws Exception {
        Path file = Paths.get(
                getClass().getResource("/onnx/all-minilm-l6-v2-config.json").toURI());

        BertConfig config = BertConfig.fromHuggingFace(file);

        assertThat(config).isEqualTo(BertConfig.ALL_MINILM_L6_V2);
        assertThat(config.headSize()).isEqualTo(32);
    }

    @Test
    void shouldRoundTripThroughHuggingFaceJson(@TempDir Path dir) throws Exception {
        BertConfig config = new BertConfig(1000, 64, 3, 4, 256, 128, 1, 1e-5, BertConfig.GELU_TANH, 1);
        Path file = dir.resolve("config.json");
        Files.write(file, Json.mapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(config.toHuggingFaceJson()));

        assertThat(BertConfig.fromHuggingFace(file)).isEqualTo(config);
        ObjectNode json = config.toHuggingFaceJson();
        assertThat(json.get("model_type").asText()).isEqualTo("bert");
        assertThat(json.get("num_hidden_layers").asInt()).isEqualTo(3);
        assertThat(json.get("layer_norm_eps").asDouble()).isEqualTo(1e-5);
    }

    @Test
    void shouldTakeTransformersDefaultsForMissingFields() throws Exception {
        BertConfig config = BertConfig.fromHuggingFace(Json.mapper().readTree("{\"num_hidden_layers\": 4}"));

        assertThat(config).isEqualTo(new BertConfig(30522, 768, 4, 12, 3072, 512, 2, 1e-12, "gelu", 0));
    }

    @Test
    void shouldListEveryProblemOfAnInvalidConfig() {
        assertThatThrownBy(() -> new BertConfig(10, 30, 0, 4, 64, 16, 2, 0, "swish", 12))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("num_hidden_layers must be positive, got 0")
                .hasMessageContaining("hidden_size 30 is not a multiple of num_attention_heads 4")
                .hasMessageContaining("layer_norm_eps must be in (0, 1), got 0.0")
                .hasMessageContaining("hidden_act 'swish' is not one of")
                .hasMessageContaining("pad_token_id 12 is outside the vocabulary [0, 10)");
    }

    @Test
    void shouldRefuseModelsThatAreNotBert() throws Exception {
        assertThatThrownBy(() -> BertConfig.fromHuggingFace(Json.mapper().readTree("{\"model_type\": \"roberta\"}")))
                .hasMessageContaining("model_type 'roberta' is not supported");
        assertThatThrownBy(() -> BertConfig.fromHuggingFace(
                        Json.mapper().readTree("{\"position_embedding_type\": \"relative_key\"}")))
                .hasMessageContaining("position_embedding_type 'relative_key' is not supported");
        assertThatThrownBy(() -> BertConfig.fromHuggingFace(Json.mapper().readTree("{\"hidden_size\": 38.5}")))
                .hasMessageContaining("hidden_size must be an integer, got 38.5");
    }

    @Test
    void shouldCutLayersWithinRange() {
        assertThat(BertConfig.ALL_MINILM_L6_V2.withLayers(2).numHiddenLayers()).isEqualTo(2);
        assertThatThrownBy(() -> BertConfig.ALL_MINILM_L6_V2.withLayers(7))
                .hasMessageContaining("cannot keep 7 layers of a 6-layer encoder");
    }
}
