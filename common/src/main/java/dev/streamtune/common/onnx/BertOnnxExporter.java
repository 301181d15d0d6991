package dev.streamtune.common.onnx;

import static dev.streamtune.common.onnx.OnnxGraphBuilder.floatAttr;
import static dev.streamtune.common.onnx.OnnxGraphBuilder.intAttr;
import static dev.streamtune.common.onnx.OnnxGraphBuilder.intsAttr;

import ai.onnx.proto.OnnxMl;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.Pooling;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Writes a BERT classifier as an ONNX graph, without Python: Hugging Face BERT semantics (embeddings sum +
 * LayerNorm, post-LN self-attention with an additive attention mask, GELU feed-forward), the configured pooling and
 * {@code softmax(W·h + b)}.
 *
 * <p>Inputs {@code input_ids}, {@code attention_mask}, {@code token_type_ids}: int64 {@code [batch, sequence]}, both
 * axes dynamic. Outputs {@code logits} and {@code probabilities}: float {@code [batch, numLabels]}; optionally
 * {@code last_hidden_state [batch, sequence, hidden]} and {@code pooled [batch, hidden]}. Opset {@value #OPSET}.
 * Initializers carry Hugging Face names in PyTorch layout. The same inputs give the same bytes.
 *
 * <p>With {@link Builder#optDynamicInt8} every encoder Linear (and the pooler's) is written dynamically quantized, the
 * way ONNX Runtime's {@code quantize_dynamic} writes it: int8 weights per output channel, symmetric
 * ({@link Int8WeightQuantizer}); the activation quantized at run time by {@code DynamicQuantizeLinear} (uint8, its own
 * scale and zero point, shared by the Linears reading the same tensor); {@code MatMulInteger} with both zero points;
 * {@code Cast} to float, {@code Mul} by {@code x_scale · w_scale[channel]}, then the float bias. ONNX Runtime fuses
 * that chain into {@code MatMulIntegerToFloat}/{@code DynamicQuantizeMatMul}. The classifier head stays float: it is
 * a few hundred multiply-adds and its outputs are the logits.
 */
public final class BertOnnxExporter {

    /** LayerNormalization needs 17; ONNX Runtime 1.21 runs it natively. */
    public static final int OPSET = 17;
    /** IR version that goes with opset 17. */
    public static final int IR_VERSION = 8;

    public static final String LAST_HIDDEN_STATE = "last_hidden_state";
    public static final String POOLED = "pooled";
    /** {@code metadata_props} keys written into the model. */
    public static final String META_LABELS = "streamtune.labels";

    public static final String META_POOLING = "streamtune.pooling";
    public static final String META_CONFIG = "streamtune.bert_config";
    /** Present in quantized graphs only, e.g. {@code dynamic-int8 per-channel symmetric |q|<=63}. */
    public static final String META_QUANTIZATION = "streamtune.quantization";

    private static final OnnxMl.TensorProto.DataType INT64 = OnnxMl.TensorProto.DataType.INT64;
    private static final OnnxMl.TensorProto.DataType FLOAT = OnnxMl.TensorProto.DataType.FLOAT;
    private static final long FLOAT_TYPE = OnnxMl.TensorProto.DataType.FLOAT_VALUE;
    private static final String BATCH = "batch";
    private static final String SEQUENCE = "sequence";

    private final BertWeights weights;
    private final ClassifierHead head;
    private final Pooling pooling;
    private final List<String> labels;
    private final boolean lastHiddenStateOutput;
    private final boolean pooledOutput;
    private final String graphName;
    /** 0 for a float graph, else the largest absolute int8 weight level. */
    private final int int8WeightMax;

    private BertOnnxExporter(Builder b) {
        this.weights =
                Objects.requireNonNull(b.weights, "setWeights is required").validate();
        this.head = Objects.requireNonNull(b.head, "setHead is required")
                .requireHidden(weights.config().hiddenSize());
        this.pooling = Objects.requireNonNull(b.pooling, "setPooling is required");
        this.labels = List.copyOf(Objects.requireNonNull(b.labels, "setLabels is required"));
        if (labels.size() != head.numLabels()) {
            throw new IllegalArgumentException(
                    labels.size() + " labels given for a head with " + head.numLabels() + " outputs");
        }
        if (pooling == Pooling.POOLER && !weights.hasPooler()) {
            throw new IllegalArgumentException("pooling 'pooler' needs pooler.dense weights, which these lack");
        }
        this.lastHiddenStateOutput = b.lastHiddenStateOutput;
        this.pooledOutput = b.pooledOutput;
        this.graphName = b.graphName;
        this.int8WeightMax = b.int8 ? b.int8WeightMax : 0;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The model as a protobuf message. */
    public OnnxMl.ModelProto toModelProto() {
        return new Writer().write();
    }

    /** Writes one model; remembers the shared constants it created, so each export starts clean. */
    private final class Writer {
        private final BertConfig config = weights.config();
        private final OnnxGraphBuilder g = new OnnxGraphBuilder(graphName);
        private final Map<String, String> constants = new HashMap<>();
        /** activation name → DynamicQuantizeLinear outputs (value, scale, zero point), quantized once. */
        private final Map<String, List<String>> quantizedActivations = new HashMap<>();

        OnnxMl.ModelProto write() {
            g.input(ModelArtifact.INPUT_IDS, INT64, BATCH, SEQUENCE);
            g.input(ModelArtifact.ATTENTION_MASK, INT64, BATCH, SEQUENCE);
            g.input(ModelArtifact.TOKEN_TYPE_IDS, INT64, BATCH, SEQUENCE);

            g.scope("");
            String maskFloat = g.node("Cast", "Cast", List.of(ModelArtifact.ATTENTION_MASK), intAttr("to", FLOAT_TYPE));
            // HF: (1 - mask[:, None, None, :]) * finfo(float32).min, added to the attention scores: [B, 1, 1, S]
            String blocked = g.node("Sub", "Sub", List.of(scalar("one", 1f), maskFloat));
            String additive = g.node("Mul", "Mul", List.of(blocked, scalar("float32_min", -Float.MAX_VALUE)));
            String extendedMask = g.node("Unsqueeze", "Unsqueeze", List.of(additive, longs("mask_axes", 1, 2)));

            String hidden = embeddings();
            for (int layer = 0; layer < config.numHiddenLayers(); layer++) {
                boolean last = layer == config.numHiddenLayers() - 1;
                hidden = encoderLayer(layer, hidden, extendedMask, last ? LAST_HIDDEN_STATE : null);
            }
            String pooled = pool(hidden, maskFloat);

            g.scope("/classifier");
            String product = g.node("MatMul", "MatMul", List.of(pooled, transposed(head.weight())));
            String logits = g.node("Add", "Add", ModelArtifact.LOGITS, List.of(product, g.initializer(head.bias())));
            g.node("Softmax", "Softmax", ModelArtifact.PROBABILITIES, List.of(logits), intAttr("axis", -1));

            long numLabels = head.numLabels();
            g.output(ModelArtifact.LOGITS, FLOAT, BATCH, numLabels);
            g.output(ModelArtifact.PROBABILITIES, FLOAT, BATCH, numLabels);
            if (lastHiddenStateOutput) {
                g.output(LAST_HIDDEN_STATE, FLOAT, BATCH, SEQUENCE, (long) config.hiddenSize());
            }
            if (pooledOutput) {
                g.output(POOLED, FLOAT, BATCH, (long) config.hiddenSize());
            }
            OnnxMl.ModelProto.Builder model = OnnxMl.ModelProto.newBuilder();
            if (int8WeightMax > 0) {
                model.addMetadataProps(
                        meta(META_QUANTIZATION, "dynamic-int8 per-channel symmetric |q|<=" + int8WeightMax));
            }
            return model.setIrVersion(IR_VERSION)
                    .addOpsetImport(
                            OnnxMl.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                    .setProducerName("streamtune")
                    .setModelVersion(1)
                    .setDocString("BERT encoder (" + config.numHiddenLayers() + " layers, hidden " + config.hiddenSize()
                            + "), " + pooling.id() + " pooling, " + numLabels + "-label softmax head")
                    .addMetadataProps(meta(META_LABELS, Json.writeString(labels)))
                    .addMetadataProps(meta(META_POOLING, pooling.id()))
                    .addMetadataProps(meta(META_CONFIG, Json.writeString(config.toHuggingFaceJson())))
                    .setGraph(g.build())
                    .build();
        }

        /** word + token type + position embeddings, then LayerNorm: {@code [B, S, H]}. */
        private String embeddings() {
            g.scope("/embeddings");
            String words = g.node(
                    "Gather",
                    "word_embeddings/Gather",
                    List.of(g.initializer(weights.tensor(BertWeights.WORD_EMBEDDINGS)), ModelArtifact.INPUT_IDS));
            String types = g.node(
                    "Gather",
                    "token_type_embeddings/Gather",
                    List.of(
                            g.initializer(weights.tensor(BertWeights.TOKEN_TYPE_EMBEDDINGS)),
                            ModelArtifact.TOKEN_TYPE_IDS));
            // positions 0..S-1 are the first S rows of the table; longer inputs fail to broadcast in the Add
            String length =
                    g.node("Shape", "Shape", List.of(ModelArtifact.INPUT_IDS), intAttr("start", 1), intAttr("end", 2));
            String zero = longs("zero", 0);
            String table = g.initializer(weights.tensor(BertWeights.POSITION_EMBEDDINGS));
            String positions = g.node("Slice", "position_embeddings/Slice", List.of(table, zero, length, zero));
            String sum = g.node("Add", "Add", List.of(words, types));
            sum = g.node("Add", "Add_1", List.of(sum, positions));
            return layerNorm(BertWeights.EMBEDDINGS_LAYER_NORM, sum, null, null);
        }

        private String encoderLayer(int layer, String input, String extendedMask, String output) {
            String p = BertWeights.layerPrefix(layer);
            String scope = "/encoder/layer." + layer;
            g.scope(scope + "/attention/self");
            String split = longs("attention_split_shape", 0, 0, config.numAttentionHeads(), config.headSize());
            String q = heads("query", linear("query", p + "attention.self.query", input), split, 0, 2, 1, 3);
            String k = heads("key", linear("key", p + "attention.self.key", input), split, 0, 2, 3, 1);
            String v = heads("value", linear("value", p + "attention.self.value", input), split, 0, 2, 1, 3);
            String scores = g.node("MatMul", "MatMul", List.of(q, k)); // [B, nH, S, S]
            scores = g.node(
                    "Div", "Div", List.of(scores, scalar("attention_scale", (float) Math.sqrt(config.headSize()))));
            scores = g.node("Add", "Add", List.of(scores, extendedMask));
            String probabilities = g.node("Softmax", "Softmax", List.of(scores), intAttr("axis", -1));
            String context = g.node("MatMul", "MatMul_1", List.of(probabilities, v)); // [B, nH, S, d]
            context = g.node("Transpose", "Transpose", List.of(context), intsAttr("perm", 0, 2, 1, 3));
            String merge = longs("attention_merge_shape", 0, 0, config.hiddenSize());
            context = g.node("Reshape", "Reshape", List.of(context, merge));

            g.scope(scope + "/attention/output");
            String attention = linear("dense", p + "attention.output.dense", context);
            String attended = layerNorm(p + "attention.output.LayerNorm", attention, input, null);

            g.scope(scope + "/intermediate");
            String intermediate = activation(linear("dense", p + "intermediate.dense", attended));

            g.scope(scope + "/output");
            String dense = linear("dense", p + "output.dense", intermediate);
            return layerNorm(p + "output.LayerNorm", dense, attended, output);
        }

        private String pool(String hidden, String maskFloat) {
            g.scope("/pooling");
            String output = pooledOutput ? POOLED : null;
            switch (pooling) {
                case CLS -> {
                    return cls(hidden, output);
                }
                case POOLER -> {
                    String cls = cls(hidden, null);
                    g.scope("/pooler");
                    return g.node("Tanh", "Tanh", output, List.of(linear("dense", BertWeights.POOLER_DENSE, cls)));
                }
                case MEAN -> {
                    // sentence-transformers: sum(h * mask) / clamp(sum(mask), min=1e-9)
                    String mask = g.node("Unsqueeze", "Unsqueeze", List.of(maskFloat, longs("last_axis", -1)));
                    String masked = g.node("Mul", "Mul", List.of(hidden, mask));
                    String axis = longs("sequence_axis", 1);
                    String sum = g.node("ReduceSum", "ReduceSum", List.of(masked, axis), intAttr("keepdims", 0));
                    String count = g.node("ReduceSum", "ReduceSum_1", List.of(mask, axis), intAttr("keepdims", 0));
                    count = g.node("Max", "Max", List.of(count, scalar("min_token_count", 1e-9f)));
                    return g.node("Div", "Div", output, List.of(sum, count));
                }
                default -> throw new IllegalStateException("unhandled pooling " + pooling);
            }
        }

        private String cls(String hidden, String output) {
            String index = constants.computeIfAbsent("cls_index", n -> g.longScalar(n, 0));
            return g.node("Gather", "Gather", output, List.of(hidden, index), intAttr("axis", 1));
        }

        /** {@code x · Wᵀ + b} with {@code W} kept in PyTorch layout under its Hugging Face name. */
        private String linear(String label, String prefix, String x) {
            NamedTensor weight = weights.tensor(prefix + ".weight");
            String product = int8WeightMax > 0
                    ? quantizedProduct(label, weight, x)
                    : g.node("MatMul", label + "/MatMul", List.of(x, transposed(weight)));
            return g.node("Add", label + "/Add", List.of(product, g.initializer(weights.tensor(prefix + ".bias"))));
        }

        /** {@code x · Wᵀ} in integers: {@code (q(x) - x_zp) · q(W) · x_scale · w_scale}, W's zero point being 0. */
        private String quantizedProduct(String label, NamedTensor weight, String x) {
            Int8WeightQuantizer.QuantizedWeight q = Int8WeightQuantizer.quantize(weight, int8WeightMax);
            String name = weight.name();
            String values =
                    g.int8Initializer(name + "_quantized", q.values(), (long) q.inFeatures(), (long) q.outFeatures());
            String scales = g.floatsInitializer(name + "_scale", q.scales());
            String zeroPoints = g.int8Initializer(name + "_zero_point", new byte[q.outFeatures()], q.outFeatures());
            List<String> xq = quantizedActivations.computeIfAbsent(
                    x,
                    in -> g.multiOutputNode(
                            "DynamicQuantizeLinear",
                            label + "/DynamicQuantizeLinear",
                            List.of(in),
                            "quantized",
                            "scale",
                            "zero_point"));
            String integers = g.node(
                    "MatMulInteger", label + "/MatMulInteger", List.of(xq.get(0), values, xq.get(2), zeroPoints));
            String floats = g.node("Cast", label + "/Cast", List.of(integers), intAttr("to", FLOAT_TYPE));
            String scale = g.node("Mul", label + "/scales/Mul", List.of(xq.get(1), scales));
            return g.node("Mul", label + "/Mul", List.of(floats, scale));
        }

        /** ONNX Runtime folds this Transpose of a constant once, when it loads the model. */
        private String transposed(NamedTensor weight) {
            String name = g.initializer(weight);
            return g.node("Transpose", name + "/Transpose", name + ".T", List.of(name), intsAttr("perm", 1, 0));
        }

        /** {@code [B, S, H] -> [B, S, nH, d]}, then permuted. */
        private String heads(String label, String x, String splitShape, long... perm) {
            String split = g.node("Reshape", label + "/Reshape", List.of(x, splitShape));
            return g.node("Transpose", label + "/Transpose", List.of(split), intsAttr("perm", perm));
        }

        /** {@code LayerNorm(x + residual)}, eps from the config. */
        private String layerNorm(String prefix, String x, String residual, String output) {
            String in = residual == null ? x : g.node("Add", "Add", List.of(x, residual));
            return g.node(
                    "LayerNormalization",
                    "LayerNorm/LayerNormalization",
                    output,
                    List.of(
                            in,
                            g.initializer(weights.tensor(prefix + ".weight")),
                            g.initializer(weights.tensor(prefix + ".bias"))),
                    intAttr("axis", -1),
                    floatAttr("epsilon", (float) config.layerNormEps()));
        }

        private String activation(String x) {
            switch (config.hiddenAct()) {
                case BertConfig.GELU -> {
                    // x * (1 + erf(x / sqrt(2))) * 0.5, in torch's order
                    String scaled = g.node("Div", "Div", List.of(x, scalar("sqrt_2", (float) Math.sqrt(2))));
                    String erf = g.node("Erf", "Erf", List.of(scaled));
                    String gate = g.node("Add", "Add", List.of(erf, scalar("one", 1f)));
                    String gated = g.node("Mul", "Mul", List.of(x, gate));
                    return g.node("Mul", "Mul_1", List.of(gated, scalar("half", 0.5f)));
                }
                case BertConfig.GELU_TANH, BertConfig.GELU_PYTORCH_TANH -> {
                    // 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
                    String cube = g.node("Pow", "Pow", List.of(x, scalar("three", 3f)));
                    String cubic = g.node("Mul", "Mul", List.of(cube, scalar("gelu_tanh_coefficient", 0.044715f)));
                    String inner = g.node("Add", "Add", List.of(x, cubic));
                    String scaled = g.node(
                            "Mul", "Mul_1", List.of(inner, scalar("sqrt_2_over_pi", (float) Math.sqrt(2 / Math.PI))));
                    String gate =
                            g.node("Add", "Add_1", List.of(g.node("Tanh", "Tanh", List.of(scaled)), scalar("one", 1f)));
                    String half = g.node("Mul", "Mul_2", List.of(x, scalar("half", 0.5f)));
                    return g.node("Mul", "Mul_3", List.of(half, gate));
                }
                case BertConfig.RELU -> {
                    return g.node("Relu", "Relu", List.of(x));
                }
                default -> throw new IllegalStateException("unsupported activation " + config.hiddenAct());
            }
        }

        /** A float scalar initializer, created once per model. */
        private String scalar(String name, float value) {
            return constants.computeIfAbsent(name, n -> g.floatConstant(n, value));
        }

        /** An int64 vector initializer, created once per model. */
        private String longs(String name, long... values) {
            return constants.computeIfAbsent(name, n -> g.longsConstant(n, values));
        }
    }

    private static OnnxMl.StringStringEntryProto meta(String key, String value) {
        return OnnxMl.StringStringEntryProto.newBuilder()
                .setKey(key)
                .setValue(value)
                .build();
    }

    /** The serialized model ({@code model.onnx} bytes). */
    public byte[] toBytes() {
        return toModelProto().toByteArray();
    }

    /** Writes the model to {@code file} (replacing it). */
    public void export(Path file) {
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 16)) {
            toModelProto().writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write ONNX model " + file, e);
        }
    }

    /** DJL-style builder: {@code setX} required, {@code optX} optional. */
    public static final class Builder {
        private BertWeights weights;
        private ClassifierHead head;
        private Pooling pooling;
        private List<String> labels;
        private boolean lastHiddenStateOutput;
        private boolean pooledOutput;
        private String graphName = "streamtune-bert-classifier";
        private boolean int8;
        private int int8WeightMax = Int8WeightQuantizer.REDUCED_RANGE;

        private Builder() {}

        /** Writes the encoder's Linears dynamically quantized to int8 (see the class comment). */
        public Builder optDynamicInt8(boolean enabled) {
            this.int8 = enabled;
            return this;
        }

        /**
         * Largest absolute int8 weight level: {@link Int8WeightQuantizer#REDUCED_RANGE} (default, safe on AVX2
         * without VNNI) or {@link Int8WeightQuantizer#FULL_RANGE}.
         */
        public Builder optInt8WeightMax(int maxLevel) {
            this.int8WeightMax = maxLevel;
            return this;
        }

        public Builder setWeights(BertWeights weights) {
            this.weights = weights;
            return this;
        }

        public Builder setHead(ClassifierHead head) {
            this.head = head;
            return this;
        }

        public Builder setPooling(Pooling pooling) {
            this.pooling = pooling;
            return this;
        }

        /** Label names in the index order of the head's outputs (written into the model's metadata). */
        public Builder setLabels(List<String> labels) {
            this.labels = labels;
            return this;
        }

        /** Also output {@code last_hidden_state [batch, sequence, hidden]} (parity tests). */
        public Builder optLastHiddenStateOutput(boolean enabled) {
            this.lastHiddenStateOutput = enabled;
            return this;
        }

        /** Also output the pooled vector {@code pooled [batch, hidden]} the head reads. */
        public Builder optPooledOutput(boolean enabled) {
            this.pooledOutput = enabled;
            return this;
        }

        public Builder optGraphName(String name) {
            this.graphName = Objects.requireNonNull(name);
            return this;
        }

        public BertOnnxExporter build() {
            return new BertOnnxExporter(this);
        }
    }
}
