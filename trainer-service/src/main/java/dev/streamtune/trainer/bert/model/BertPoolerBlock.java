package dev.streamtune.trainer.bert.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import dev.streamtune.common.onnx.BertWeights;

/** The checkpoint's pooler: {@code tanh(dense([CLS]))} (Hugging Face {@code BertPooler}). */
final class BertPoolerBlock extends HfBlock {

    private final Parameter weight;
    private final Parameter bias;

    BertPoolerBlock() {
        weight = param(BertWeights.POOLER_DENSE + ".weight");
        bias = param(BertWeights.POOLER_DENSE + ".bias");
    }

    NDArray forward(ParameterStore store, NDArray hidden, boolean training) {
        NDArray cls = hidden.get(new NDIndex(":, 0, :"));
        return linear(store, cls, weight, bias, training).tanh();
    }
}
