package dev.streamtune.trainer.bert.training;

/** Which parameters fine-tuning updates. */
public enum FineTuneStrategy {
    /** Every encoder parameter and the head (word embeddings only if asked: see {@code trainWordEmbeddings}). */
    FULL,
    /** Embeddings and the bottom {@code frozenLayers} encoder layers fixed; the layers above and the head train. */
    FREEZE_BOTTOM,
    /** Encoder fixed; its pooled outputs are computed once and only the head trains on them. */
    HEAD_ONLY,
    /** Picks one of the above from the amount of data and says why. */
    AUTO
}
