package dev.streamtune.trainer.bert.model;

import ai.djl.pytorch.jni.JniUtils;

/**
 * Turns PyTorch autograd off for the current thread until closed. Autograd mode is per thread and on by default in
 * threads the engine did not start, so a forward pass outside training would otherwise record a graph for every
 * parameter that requires a gradient.
 */
public final class InferenceMode implements AutoCloseable {

    private final boolean previous;

    private InferenceMode() {
        previous = JniUtils.isGradMode();
        JniUtils.setGradMode(false);
    }

    public static InferenceMode enter() {
        return new InferenceMode();
    }

    @Override
    public void close() {
        JniUtils.setGradMode(previous);
    }
}
