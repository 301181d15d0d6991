package dev.streamtune.common.event;

import java.time.Instant;

/**
 * A labeled training example on the examples topic, keyed by {@link #id()}. A later value for the same id is a label
 * correction; a tombstone (null value) deletes the example from every later training run.
 *
 * @param source where the example came from (system, annotator), optional
 * @param ts when the label was given, optional (the record timestamp otherwise)
 */
public record LabeledExample(int schemaVersion, String id, String text, String label, String source, Instant ts) {

    public LabeledExample {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
    }

    public static LabeledExample of(String id, String text, String label) {
        return new LabeledExample(SchemaVersions.CURRENT, id, text, label, null, null);
    }
}
