package dev.streamtune.trainer.bert.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A block whose parameters carry their full Hugging Face names (e.g. {@code encoder.layer.0.attention.self.query.weight})
 * so that checkpoints load and export by name. Arrays are set from weights, never from DJL initializers.
 *
 * <p>Every operation is called on an activation, never on a parameter, so results attach to the batch's NDManager
 * and are freed with it (an op on a parameter would attach its result to the model's long-lived manager).
 */
abstract class HfBlock extends AbstractBlock {

    protected final Parameter param(String hfName) {
        return addParameter(
                Parameter.builder().setName(hfName).setType(typeOf(hfName)).build());
    }

    /** This block's and its children's parameters by Hugging Face name, in model order. */
    Map<String, Parameter> parametersByName() {
        Map<String, Parameter> map = new LinkedHashMap<>();
        getDirectParameters().forEach(pair -> map.put(pair.getValue().getName(), pair.getValue()));
        getChildren().forEach(child -> map.putAll(((HfBlock) child.getValue()).parametersByName()));
        return map;
    }

    protected static NDArray value(ParameterStore store, Parameter p, NDArray like, boolean training) {
        return store.getValue(p, like.getDevice(), training);
    }

    protected static NDArray linear(
            ParameterStore store, NDArray x, Parameter weight, Parameter bias, boolean training) {
        return Linear.linear(x, value(store, weight, x, training), value(store, bias, x, training))
                .singletonOrThrow();
    }

    protected static NDArray layerNorm(
            ParameterStore store, NDArray x, Parameter gamma, Parameter beta, float eps, boolean training) {
        return LayerNorm.layerNorm(
                        x,
                        new Shape(x.getShape().get(x.getShape().dimension() - 1)),
                        value(store, gamma, x, training),
                        value(store, beta, x, training),
                        eps)
                .singletonOrThrow();
    }

    @Override
    protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
        getChildren().forEach(child -> child.getValue().initialize(manager, dataType, inputShapes));
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " is called through its typed forward");
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " does not infer shapes");
    }

    private static Parameter.Type typeOf(String name) {
        if (name.endsWith("LayerNorm.weight")) {
            return Parameter.Type.GAMMA;
        }
        if (name.endsWith("LayerNorm.bias")) {
            return Parameter.Type.BETA;
        }
        return name.endsWith(".bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT;
    }
}
