package dev.streamtune.trainer.bert.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Embedding;
import ai.djl.nn.norm.Dropout;
import ai.djl.training.ParameterStore;
import dev.streamtune.common.onnx.BertConfig;
import dev.streamtune.common.onnx.BertWeights;

/** Word + position + token-type embeddings, then LayerNorm and dropout (Hugging Face {@code BertEmbeddings}). */
final class BertEmbeddingsBlock extends HfBlock {

    private final Parameter words;
    private final Parameter positions;
    private final Parameter tokenTypes;
    private final Parameter gamma;
    private final Parameter beta;
    private final float eps;
    private final float dropout;

    BertEmbeddingsBlock(BertConfig config, float dropout) {
        words = param(BertWeights.WORD_EMBEDDINGS);
        positions = param(BertWeights.POSITION_EMBEDDINGS);
        tokenTypes = param(BertWeights.TOKEN_TYPE_EMBEDDINGS);
        gamma = param(BertWeights.EMBEDDINGS_LAYER_NORM + ".weight");
        beta = param(BertWeights.EMBEDDINGS_LAYER_NORM + ".bias");
        eps = (float) config.layerNormEps();
        this.dropout = dropout;
    }

    /** {@code [batch, seq]} ids and type ids to {@code [batch, seq, hidden]}. */
    NDArray forward(ParameterStore store, NDArray inputIds, NDArray tokenTypeIds, boolean training) {
        long seq = inputIds.getShape().get(1);
        NDArray positionIds = inputIds.getManager().arange(0, seq, 1, DataType.INT64, inputIds.getDevice());
        NDArray x = embed(store, inputIds, words, training);
        x.addi(embed(store, positionIds, positions, training)); // [seq, hidden] broadcasts over the batch
        x.addi(embed(store, tokenTypeIds, tokenTypes, training));
        x = layerNorm(store, x, gamma, beta, eps, training);
        return Dropout.dropout(x, dropout, training).singletonOrThrow();
    }

    Parameter wordEmbeddings() {
        return words;
    }

    private static NDArray embed(ParameterStore store, NDArray ids, Parameter table, boolean training) {
        return Embedding.embedding(ids, value(store, table, ids, training), SparseFormat.DENSE)
                .singletonOrThrow();
    }
}
