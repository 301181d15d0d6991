package dev.streamtune.common.model;

import com.fasterxml.jackson.annotation.JsonValue;

/** How the encoder's token vectors become the one vector the classification head reads. */
public enum Pooling {
    /** The [CLS] token's vector as it leaves the last layer. */
    CLS("cls"),
    /** The [CLS] vector through the checkpoint's pooler (dense + tanh), as in BERT's own classifier. */
    POOLER("pooler"),
    /** The attention-masked mean of the token vectors (sentence-embedding bases such as MiniLM). */
    MEAN("mean");

    private final String id;

    Pooling(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    public static Pooling fromId(String id) {
        for (Pooling p : values()) {
            if (p.id.equalsIgnoreCase(id) || p.name().equalsIgnoreCase(id)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown pooling '" + id + "' (expected cls, pooler or mean)");
    }

    @com.fasterxml.jackson.annotation.JsonCreator
    static Pooling fromJson(String id) {
        return fromId(id);
    }
}
