package dev.streamtune.kafka;

/** The embedded broker could not start, create its topics or stop. */
public class EmbeddedKafkaException extends RuntimeException {

    public EmbeddedKafkaException(String message, Throwable cause) {
        super(message, cause);
    }

    public EmbeddedKafkaException(String message) {
        super(message);
    }
}
