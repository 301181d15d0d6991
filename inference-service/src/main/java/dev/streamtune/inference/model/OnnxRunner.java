package dev.streamtune.inference.model;

import dev.streamtune.common.tokenizer.TokenBatch;

/**
 * Runs a classifier graph on one padded batch. Not thread-safe: one caller at a time (the batching engine's thread,
 * or the loader before the model goes live).
 */
public interface OnnxRunner extends AutoCloseable {

    /** The {@code probabilities} output, row-major {@code [batch, labels]}. */
    float[] probabilities(TokenBatch batch) throws Exception;

    /** Width of the probabilities output as the graph declares it; -1 when the graph leaves it dynamic. */
    int declaredLabels();

    @Override
    void close();
}
