package dev.streamtune.trainer.publish;

/**
 * A registry write that did not complete, saying what readers of the models topic see: nothing of it
 * ({@link Outcome#NOT_WRITTEN}), or possibly all of it ({@link Outcome#UNKNOWN}: the broker stayed out of reach
 * while the writer tried to learn the outcome). {@link #fatal()} when this trainer can write no more (another instance
 * took over the model's registry, or the cluster refuses it).
 */
public final class RegistryWriteException extends IllegalStateException {

    /** What a read_committed reader of the models topic sees of the records. */
    public enum Outcome {
        NOT_WRITTEN,
        UNKNOWN
    }

    private final Outcome outcome;
    private final boolean fatal;

    public RegistryWriteException(String message, Outcome outcome, boolean fatal, Throwable cause) {
        super(message, cause);
        this.outcome = outcome;
        this.fatal = fatal;
    }

    public Outcome outcome() {
        return outcome;
    }

    public boolean fatal() {
        return fatal;
    }
}
