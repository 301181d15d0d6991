package dev.streamtune.trainer.bert.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import dev.streamtune.common.onnx.BertConfig;
import dev.streamtune.common.onnx.BertWeights;
import java.util.function.UnaryOperator;

/**
 * One post-LayerNorm transformer layer as Hugging Face {@code BertLayer}: multi-head self-attention with an additive
 * mask, dense + dropout + residual + LayerNorm, then the feed-forward (dense, activation, dense) + dropout + residual +
 * LayerNorm.
 */
final class BertLayerBlock extends HfBlock {

    private final Parameter queryWeight;
    private final Parameter queryBias;
    private final Parameter keyWeight;
    private final Parameter keyBias;
    private final Parameter valueWeight;
    private final Parameter valueBias;
    private final Parameter attentionOutWeight;
    private final Parameter attentionOutBias;
    private final Parameter attentionGamma;
    private final Parameter attentionBeta;
    private final Parameter intermediateWeight;
    private final Parameter intermediateBias;
    private final Parameter outputWeight;
    private final Parameter outputBias;
    private final Parameter outputGamma;
    private final Parameter outputBeta;
    private final int heads;
    private final int headSize;
    private final float eps;
    private final float dropout;
    private final UnaryOperator<NDArray> activation;

    BertLayerBlock(BertConfig config, int index, float dropout) {
        String p = BertWeights.layerPrefix(index);
        queryWeight = param(p + "attention.self.query.weight");
        queryBias = param(p + "attention.self.query.bias");
        keyWeight = param(p + "attention.self.key.weight");
        keyBias = param(p + "attention.self.key.bias");
        valueWeight = param(p + "attention.self.value.weight");
        valueBias = param(p + "attention.self.value.bias");
        attentionOutWeight = param(p + "attention.output.dense.weight");
        attentionOutBias = param(p + "attention.output.dense.bias");
        attentionGamma = param(p + "attention.output.LayerNorm.weight");
        attentionBeta = param(p + "attention.output.LayerNorm.bias");
        intermediateWeight = param(p + "intermediate.dense.weight");
        intermediateBias = param(p + "intermediate.dense.bias");
        outputWeight = param(p + "output.dense.weight");
        outputBias = param(p + "output.dense.bias");
        outputGamma = param(p + "output.LayerNorm.weight");
        outputBeta = param(p + "output.LayerNorm.bias");
        heads = config.numAttentionHeads();
        headSize = config.headSize();
        eps = (float) config.layerNormEps();
        this.dropout = dropout;
        activation = Activations.of(config.hiddenAct());
    }

    /**
     * @param x {@code [batch, seq, hidden]}
     * @param maskBias {@code [batch, 1, 1, seq]}: 0 for tokens, a large negative number for padding
     */
    NDArray forward(ParameterStore store, NDArray x, NDArray maskBias, boolean training) {
        long batch = x.getShape().get(0);
        long seq = x.getShape().get(1);
        long hidden = x.getShape().get(2);
        Shape split = new Shape(batch, seq, heads, headSize);
        // scaling q instead of the scores: same result, fewer multiplications
        NDArray q = linear(store, x, queryWeight, queryBias, training)
                .muli(1.0 / Math.sqrt(headSize))
                .reshape(split)
                .transpose(0, 2, 1, 3);
        NDArray k =
                linear(store, x, keyWeight, keyBias, training).reshape(split).transpose(0, 2, 3, 1);
        NDArray v = linear(store, x, valueWeight, valueBias, training)
                .reshape(split)
                .transpose(0, 2, 1, 3);
        NDArray scores = q.matMul(k).addi(maskBias); // [batch, heads, seq, seq]
        NDArray probs = Dropout.dropout(scores.softmax(-1), dropout, training).singletonOrThrow();
        NDArray context = probs.matMul(v).transpose(0, 2, 1, 3).reshape(batch, seq, hidden);
        NDArray attended = Dropout.dropout(
                        linear(store, context, attentionOutWeight, attentionOutBias, training), dropout, training)
                .singletonOrThrow();
        NDArray h = layerNorm(store, attended.addi(x), attentionGamma, attentionBeta, eps, training);
        NDArray inner = activation.apply(linear(store, h, intermediateWeight, intermediateBias, training));
        NDArray out = Dropout.dropout(linear(store, inner, outputWeight, outputBias, training), dropout, training)
                .singletonOrThrow();
        return layerNorm(store, out.addi(h), outputGamma, outputBeta, eps, training);
    }
}
