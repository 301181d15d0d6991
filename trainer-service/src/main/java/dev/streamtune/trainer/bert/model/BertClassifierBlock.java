package dev.streamtune.trainer.bert.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.onnx.BertConfig;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A Hugging Face BERT encoder with a classification head, as one DJL block. Inputs: {@code input_ids},
 * {@code attention_mask}, {@code token_type_ids} ({@code [batch, seq]} int64). Output: logits {@code [batch, labels]}.
 */
public final class BertClassifierBlock extends HfBlock {

    /** Added to the attention scores of padding positions: exp(-10000) is 0 in float32. */
    static final float MASKED_SCORE = -10000f;

    private final BertConfig config;
    private final Pooling pooling;
    private final int numLabels;
    private final BertEmbeddingsBlock embeddings;
    private final List<BertLayerBlock> layers;
    private final BertPoolerBlock pooler;
    private final ClassifierHeadBlock head;

    BertClassifierBlock(BertConfig config, Pooling pooling, int numLabels, float dropout) {
        this.config = config;
        this.pooling = pooling;
        this.numLabels = numLabels;
        embeddings = addChildBlock("embeddings", new BertEmbeddingsBlock(config, dropout));
        List<BertLayerBlock> list = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            list.add(addChildBlock("layer" + i, new BertLayerBlock(config, i, dropout)));
        }
        layers = Collections.unmodifiableList(list);
        pooler = pooling == Pooling.POOLER ? addChildBlock("pooler", new BertPoolerBlock()) : null;
        head = addChildBlock("classifier", new ClassifierHeadBlock(dropout));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray pooled = pooled(store, inputs.get(0), inputs.get(1), inputs.get(2), training);
        return new NDList(head.forward(store, pooled, training));
    }

    /** The last layer's token vectors, {@code [batch, seq, hidden]}. */
    NDArray encode(
            ParameterStore store, NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds, boolean training) {
        NDArray mask = attentionMask.toType(DataType.FLOAT32, false);
        long batch = mask.getShape().get(0);
        long seq = mask.getShape().get(1);
        NDArray maskBias = mask.sub(1).muli(-MASKED_SCORE).reshape(batch, 1, 1, seq);
        NDArray hidden = embeddings.forward(store, inputIds, tokenTypeIds, training);
        for (BertLayerBlock layer : layers) {
            hidden = layer.forward(store, hidden, maskBias, training);
        }
        return hidden;
    }

    /** The vector the head reads, {@code [batch, hidden]}. */
    NDArray pooled(
            ParameterStore store, NDArray inputIds, NDArray attentionMask, NDArray tokenTypeIds, boolean training) {
        NDArray hidden = encode(store, inputIds, attentionMask, tokenTypeIds, training);
        NDArray mask = attentionMask.toType(DataType.FLOAT32, false);
        long batch = mask.getShape().get(0);
        long seq = mask.getShape().get(1);
        switch (pooling) {
            case CLS:
                return hidden.get(new NDIndex(":, 0, :"));
            case POOLER:
                return pooler.forward(store, hidden, training);
            case MEAN:
                NDArray weights = mask.reshape(batch, seq, 1);
                NDArray sum = hidden.mul(weights).sum(new int[] {1});
                return sum.divi(weights.sum(new int[] {1}).clip(1e-9, Float.MAX_VALUE));
            default:
                throw new IllegalStateException("unknown pooling " + pooling);
        }
    }

    /** Logits from pooled vectors (head-only training on cached features). */
    NDArray logitsFromPooled(ParameterStore store, NDArray pooled, boolean training) {
        return head.forward(store, pooled, training);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        return new Shape[] {new Shape(inputShapes[0].get(0), numLabels)};
    }

    public BertConfig config() {
        return config;
    }

    public Pooling pooling() {
        return pooling;
    }

    public int numLabels() {
        return numLabels;
    }

    /** All parameters by Hugging Face name (classifier head included), in model order. */
    public Map<String, Parameter> parameters() {
        return parametersByName();
    }

    ClassifierHeadBlock head() {
        return head;
    }

    BertEmbeddingsBlock embeddings() {
        return embeddings;
    }
}
