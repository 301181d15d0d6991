package dev.streamtune.trainer.bert.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.nn.Parameter;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.streamtune.common.onnx.ClassifierHead;

/** Dropout on the pooled vector, then {@code W·h + b} (logits; the softmax belongs to the loss and the export). */
final class ClassifierHeadBlock extends HfBlock {

    private final Parameter weight;
    private final Parameter bias;
    private final float dropout;

    ClassifierHeadBlock(float dropout) {
        weight = param(ClassifierHead.WEIGHT);
        bias = param(ClassifierHead.BIAS);
        this.dropout = dropout;
    }

    /** Pooled vectors {@code [batch, hidden]} to logits (head-only training on cached features). */
    @Override
    protected NDList forwardInternal(
            ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(store, inputs.singletonOrThrow(), training));
    }

    NDArray forward(ParameterStore store, NDArray pooled, boolean training) {
        NDArray x = Dropout.dropout(pooled, dropout, training).singletonOrThrow();
        return linear(store, x, weight, bias, training);
    }
}
