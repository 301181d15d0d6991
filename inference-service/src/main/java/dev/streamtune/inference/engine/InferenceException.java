package dev.streamtune.inference.engine;

/** A batch could not be classified at all: no model in service, or the runtime failed on every text. */
public final class InferenceException extends Exception {

    private final boolean noModel;

    private InferenceException(String message, Throwable cause, boolean noModel) {
        super(message, cause);
        this.noModel = noModel;
    }

    public static InferenceException noModel() {
        return new InferenceException("no model is loaded yet", null, true);
    }

    public static InferenceException failed(String message, Throwable cause) {
        return new InferenceException(message, cause, false);
    }

    public boolean isNoModel() {
        return noModel;
    }
}
