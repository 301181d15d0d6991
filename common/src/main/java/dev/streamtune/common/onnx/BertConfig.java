package dev.streamtune.common.onnx;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Shape and semantics of a BERT encoder, as in a Hugging Face {@code config.json} ({@code BertConfig}).
 *
 * @param vocabSize rows of the word embedding
 * @param hiddenSize width of every token vector
 * @param numHiddenLayers encoder layers
 * @param numAttentionHeads heads per self-attention; must divide {@code hiddenSize}
 * @param intermediateSize width of the feed-forward layer
 * @param maxPositionEmbeddings longest sequence the position embedding covers
 * @param typeVocabSize rows of the token-type (segment) embedding
 * @param layerNormEps epsilon of every LayerNorm
 * @param hiddenAct feed-forward activation: {@code gelu} (erf), {@code gelu_new} / {@code gelu_pytorch_tanh} (tanh
 *     approximation) or {@code relu}
 * @param padTokenId id of the padding token
 */
public record BertConfig(
        int vocabSize,
        int hiddenSize,
        int numHiddenLayers,
        int numAttentionHeads,
        int intermediateSize,
        int maxPositionEmbeddings,
        int typeVocabSize,
        double layerNormEps,
        String hiddenAct,
        int padTokenId) {

    public static final String GELU = "gelu";
    public static final String GELU_TANH = "gelu_new";
    public static final String GELU_PYTORCH_TANH = "gelu_pytorch_tanh";
    public static final String RELU = "relu";
    public static final Set<String> SUPPORTED_ACTIVATIONS = Set.of(GELU, GELU_TANH, GELU_PYTORCH_TANH, RELU);

    /** all-MiniLM-L6-v2 (sentence-transformers), the default base model. */
    public static final BertConfig ALL_MINILM_L6_V2 = new BertConfig(30522, 384, 6, 12, 1536, 512, 2, 1e-12, GELU, 0);

    public BertConfig {
        List<String> problems = new ArrayList<>();
        positive(problems, "vocab_size", vocabSize);
        positive(problems, "hidden_size", hiddenSize);
        positive(problems, "num_hidden_layers", numHiddenLayers);
        positive(problems, "num_attention_heads", numAttentionHeads);
        positive(problems, "intermediate_size", intermediateSize);
        positive(problems, "max_position_embeddings", maxPositionEmbeddings);
        positive(problems, "type_vocab_size", typeVocabSize);
        if (hiddenSize > 0 && numAttentionHeads > 0 && hiddenSize % numAttentionHeads != 0) {
            problems.add(
                    "hidden_size " + hiddenSize + " is not a multiple of num_attention_heads " + numAttentionHeads);
        }
        if (!(layerNormEps > 0 && layerNormEps < 1)) {
            problems.add("layer_norm_eps must be in (0, 1), got " + layerNormEps);
        }
        if (hiddenAct == null || !SUPPORTED_ACTIVATIONS.contains(hiddenAct)) {
            problems.add("hidden_act '" + hiddenAct + "' is not one of " + SUPPORTED_ACTIVATIONS);
        }
        if (padTokenId < 0 || (vocabSize > 0 && padTokenId >= vocabSize)) {
            problems.add("pad_token_id " + padTokenId + " is outside the vocabulary [0, " + vocabSize + ")");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("invalid BERT config: " + String.join("; ", problems));
        }
    }

    /** Width of one attention head. */
    public int headSize() {
        return hiddenSize / numAttentionHeads;
    }

    /** The same encoder cut to its first {@code layers} layers. */
    public BertConfig withLayers(int layers) {
        if (layers < 1 || layers > numHiddenLayers) {
            throw new IllegalArgumentException("cannot keep " + layers + " layers of a " + numHiddenLayers
                    + "-layer encoder (1.." + numHiddenLayers + ")");
        }
        return new BertConfig(
                vocabSize,
                hiddenSize,
                layers,
                numAttentionHeads,
                intermediateSize,
                maxPositionEmbeddings,
                typeVocabSize,
                layerNormEps,
                hiddenAct,
                padTokenId);
    }

    public static BertConfig fromHuggingFace(Path configJson) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(Files.readAllBytes(configJson));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read Hugging Face config " + configJson, e);
        }
        try {
            return fromHuggingFace(node);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(configJson + ": " + e.getMessage(), e);
        }
    }

    /**
     * Reads a Hugging Face {@code config.json}. Missing fields take {@code transformers.BertConfig}'s defaults; model
     * types whose semantics differ from BERT (RoBERTa's offset positions, relative position embeddings) are refused.
     */
    public static BertConfig fromHuggingFace(JsonNode config) {
        if (config == null || !config.isObject()) {
            throw new IllegalArgumentException("a Hugging Face config must be a JSON object");
        }
        String modelType = config.path("model_type").asText("bert");
        if (!modelType.equals("bert")) {
            throw new IllegalArgumentException(
                    "model_type '" + modelType + "' is not supported: only BERT semantics are implemented");
        }
        String positions = config.path("position_embedding_type").asText("absolute");
        if (!positions.equals("absolute")) {
            throw new IllegalArgumentException("position_embedding_type '" + positions + "' is not supported");
        }
        return new BertConfig(
                intField(config, "vocab_size", 30522),
                intField(config, "hidden_size", 768),
                intField(config, "num_hidden_layers", 12),
                intField(config, "num_attention_heads", 12),
                intField(config, "intermediate_size", 3072),
                intField(config, "max_position_embeddings", 512),
                intField(config, "type_vocab_size", 2),
                config.has("layer_norm_eps") ? numberField(config, "layer_norm_eps") : 1e-12,
                config.path("hidden_act").asText(GELU),
                config.hasNonNull("pad_token_id") ? intField(config, "pad_token_id", 0) : 0);
    }

    /** This config as a Hugging Face {@code config.json} that {@code transformers} loads as a {@code BertModel}. */
    public ObjectNode toHuggingFaceJson() {
        ObjectNode node = Json.mapper().createObjectNode();
        node.putArray("architectures").add("BertModel");
        node.put("model_type", "bert");
        node.put("vocab_size", vocabSize);
        node.put("hidden_size", hiddenSize);
        node.put("num_hidden_layers", numHiddenLayers);
        node.put("num_attention_heads", numAttentionHeads);
        node.put("intermediate_size", intermediateSize);
        node.put("max_position_embeddings", maxPositionEmbeddings);
        node.put("type_vocab_size", typeVocabSize);
        node.put("layer_norm_eps", layerNormEps);
        node.put("hidden_act", hiddenAct);
        node.put("pad_token_id", padTokenId);
        node.put("position_embedding_type", "absolute");
        return node;
    }

    private static int intField(JsonNode config, String name, int defaultValue) {
        JsonNode value = config.get(name);
        if (value == null || value.isNull()) {
            return defaultValue;
        }
        if (!value.canConvertToExactIntegral() || !value.canConvertToInt()) {
            throw new IllegalArgumentException(name + " must be an integer, got " + value);
        }
        return value.asInt();
    }

    private static double numberField(JsonNode config, String name) {
        JsonNode value = config.get(name);
        if (!value.isNumber()) {
            throw new IllegalArgumentException(name + " must be a number, got " + value);
        }
        return value.asDouble();
    }

    private static void positive(List<String> problems, String name, int value) {
        if (value < 1) {
            problems.add(name + " must be positive, got " + value);
        }
    }
}
