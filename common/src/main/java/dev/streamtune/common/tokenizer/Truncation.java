package dev.streamtune.common.tokenizer;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;

/**
 * Which tokens of a text longer than the model's maximum length are kept. Recorded in the model's manifest: serving
 * must truncate as training did, or the model sees inputs unlike any it was trained on.
 */
public enum Truncation {

    /** The beginning of the text (what BERT fine-tuning does by default). */
    HEAD("head"),

    /**
     * A quarter of the room from the beginning, the rest from the end: the greeting and subject, and the closing part
     * where long documents (emails with footers, reviews with a verdict at the end, reports with conclusions) say most.
     * Sun et al., "How to Fine-Tune BERT for Text Classification" (2019), found head + tail best on long texts.
     */
    HEAD_TAIL("head-tail");

    private final String id;

    Truncation(String id) {
        this.id = id;
    }

    /** The name in manifests, the CLI and configuration. */
    @JsonValue
    public String id() {
        return id;
    }

    /** The truncation named {@code id}; null (an artifact from before the field) is {@link #HEAD}. */
    @JsonCreator
    public static Truncation of(String id) {
        if (id == null) {
            return HEAD;
        }
        return Arrays.stream(values())
                .filter(t -> t.id.equals(id) || t.name().equalsIgnoreCase(id))
                .findFirst()
                .orElseThrow(() -> new IllegalArgumentException("unknown truncation '" + id + "': one of "
                        + Arrays.toString(
                                Arrays.stream(values()).map(Truncation::id).toArray())));
    }

    /**
     * How many of {@code room} content tokens (the special tokens aside) come from the beginning of the text; the rest
     * come from its end.
     */
    public int headTokens(int room) {
        return this == HEAD ? room : Math.max(1, room / 4);
    }

    @Override
    public String toString() {
        return id;
    }
}
