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
    private final boolean transientFailure;

    /** A failure that trying again will not change (a bad signature, a model that does not run). */
    public ModelLoadException(Stage stage, String message) {
        this(stage, message, null, false);
    }

    /** A failure that trying again will not change (a bad signature, a model that does not run). */
    public ModelLoadException(Stage stage, String message, Throwable cause) {
        this(stage, message, cause, false);
    }

    private ModelLoadException(Stage stage, String message, Throwable cause, boolean transientFailure) {
        super(message, cause);
        this.stage = stage;
        this.transientFailure = transientFailure;
    }

    /** A failure that may pass (a store or volume unreachable, an artifact not yet visible): worth retrying. */
    public static ModelLoadException transientFailure(Stage stage, String message, Throwable cause) {
        return new ModelLoadException(stage, message, cause, true);
    }

    public boolean isTransient() {
        return transientFailure;
    }

    public Stage stage() {
        return stage;
    }

    /** {@code STAGE: message}, as put on error events. */
    public String reason() {
        return stage + ": " + getMessage();
    }
}
