package dev.streamtune.trainer.bert.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;
import dev.streamtune.common.onnx.BertConfig;
import java.util.function.UnaryOperator;

/** The feed-forward activations a BERT config can name. */
final class Activations {

    private static final double SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

    private Activations() {}

    static UnaryOperator<NDArray> of(String hiddenAct) {
        switch (hiddenAct) {
            case BertConfig.GELU:
                return Activation::gelu; // PyTorch's default GELU: the exact erf form
            case BertConfig.GELU_TANH:
            case BertConfig.GELU_PYTORCH_TANH:
                return Activations::geluTanh;
            case BertConfig.RELU:
                return Activation::relu;
            default:
                throw new IllegalArgumentException("unsupported hidden_act " + hiddenAct);
        }
    }

    private static NDArray geluTanh(NDArray x) {
        NDArray inner = x.pow(3).muli(0.044715).addi(x).muli(SQRT_2_OVER_PI).tanh();
        return inner.add(1).muli(x).muli(0.5); // not addi: tanh's backward reads its output
    }
}
