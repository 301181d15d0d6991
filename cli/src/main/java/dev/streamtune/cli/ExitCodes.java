package dev.streamtune.cli;

/** The exit codes of the {@code streamtune} command, for scripts (README "Command line"). */
public final class ExitCodes {

    public static final int OK = 0;
    /** Anything unexpected (a bug, an I/O error); the message says what. */
    public static final int FAILED = 1;
    /** A bad option or argument, or an input file that cannot be read (picocli's usage code). */
    public static final int USAGE = 2;
    /** No Kafka broker (or trainer) answered within {@code --timeout}. */
    public static final int UNREACHABLE = 3;
    /** The topic does not exist. */
    public static final int MISSING_TOPIC = 4;
    /** Authentication or authorization refused: SASL/TLS, a Kafka ACL, HTTP 401/403. */
    public static final int DENIED = 5;
    /** The request was refused: an unknown version or example id, a conflict (HTTP 404, 409, 503, 504). */
    public static final int REFUSED = 6;
    /** Some input records were invalid and not sent; the valid ones were. */
    public static final int INVALID_INPUT = 7;

    private ExitCodes() {}
}
