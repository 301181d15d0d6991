package dev.streamtune.common.onnx;

import ai.onnx.proto.OnnxMl;
import dev.streamtune.common.model.Pooling;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
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

    private final BertWeights weights;
    private final ClassifierHead head;
    private final Pooling pooling;
    private final List<String> labels;
    private final boolean lastHiddenStateOutput;
    private final boolean pooledOutput;
    private final String graphName;

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
    }

    public static Builder builder() {
        return new Builder();
    }

    /** The model as a protobuf message. */
    public OnnxMl.ModelProto toModelProto() {
        throw new UnsupportedOperationException("not implemented yet");
    }

    /** The serialized model ({@code model.onnx} bytes). */
    public byte[] toBytes() {
        return toModelProto().toByteArray();
    }

    /** Writes the model to {@code file} (replacing it). */
    public void export(Path file) {
        try {
            Files.write(file, toBytes());
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

        private Builder() {}

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
