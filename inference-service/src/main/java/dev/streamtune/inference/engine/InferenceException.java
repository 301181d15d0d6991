package dev.streamtune.inference.engine;

/**
 * A batch could not be classified at all: no model in service, the engine thread is gone, or the runtime failed on
 * every text.
 */
public final class InferenceException extends Exception {

    private enum Kind {
        NO_MODEL,
        ENGINE_DOWN,
        FAILED
    }

    private final Kind kind;

    private InferenceException(String message, Throwable cause, Kind kind) {
        super(message, cause);
        this.kind = kind;
    }

    public static InferenceException noModel() {
        return new InferenceException("no model is loaded yet", null, Kind.NO_MODEL);
    }

    /** The engine cannot run anything (its thread died): nothing about the texts. */
    public static InferenceException engineDown(String message, Throwable cause) {
        return new InferenceException(message, cause, Kind.ENGINE_DOWN);
    }

    /** Running the texts failed: some of them may be what fails it. */
    public static InferenceException failed(String message, Throwable cause) {
        return new InferenceException(message, cause, Kind.FAILED);
    }

    /** Whether the engine could not run anything: nothing about the model or the texts. */
    public boolean isEngineDown() {
        return kind == Kind.ENGINE_DOWN;
    }

    public boolean isNoModel() {
        return kind == Kind.NO_MODEL;
    }

    /** Whether the texts may be the cause, so that classifying them one at a time can isolate the bad ones. */
    public boolean mayBeCausedByTexts() {
        return kind == Kind.FAILED;
    }
}
