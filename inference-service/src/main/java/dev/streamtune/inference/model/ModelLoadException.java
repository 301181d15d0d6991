package dev.streamtune.inference.model;

/** A model version could not be put in service; {@link #stage()} says where it failed. */
public final class ModelLoadException extends Exception {

    /** Where loading failed. */
    public enum Stage {
        FETCH,
        VERIFY,
        LOAD,
        WARMUP,
        SELF_CHECK
    }

    private final Stage stage;

    public ModelLoadException(Stage stage, String message) {
        super(message);
        this.stage = stage;
    }

    public ModelLoadException(Stage stage, String message, Throwable cause) {
        super(message, cause);
        this.stage = stage;
    }

    public Stage stage() {
        return stage;
    }

    /** {@code STAGE: message}, as put on error events. */
    public String reason() {
        return stage + ": " + getMessage();
    }
}
