package dev.streamtune.inference.stream;

/** The classify loop cannot go on (fenced by another instance, refused by the cluster): it stops, the pod restarts. */
public final class SinkFatalException extends RuntimeException {

    SinkFatalException(String message, Throwable cause) {
        super(message, cause);
    }
}
