package dev.streamtune.inference.engine;

/** What happened to one text of a batch. */
public sealed interface ClassifyOutcome {

    record Success(Classification classification) implements ClassifyOutcome {}

    /** This text alone could not be classified (the rest of its batch was). */
    record Failure(String reason) implements ClassifyOutcome {}
}
