package dev.streamtune.common.model;

/** A model artifact failed verification: the message says which check and which file. */
public class ArtifactVerificationException extends Exception {

    public ArtifactVerificationException(String message) {
        super(message);
    }

    public ArtifactVerificationException(String message, Throwable cause) {
        super(message, cause);
    }
}
