package dev.streamtune.inference.engine;

/** Refused at once: too many texts of callers that may wait (REST) are queued already. Retry later. */
public final class EngineOverloadedException extends RuntimeException {

    public EngineOverloadedException(int queued, int limit) {
        super(queued + " texts are waiting for the engine, at most " + limit + " may wait");
    }
}
