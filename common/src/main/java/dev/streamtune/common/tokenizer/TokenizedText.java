package dev.streamtune.common.tokenizer;

import java.util.Arrays;
import java.util.Objects;

/**
 * One text as the model reads it, special tokens included, truncated to the requested maximum and not padded.
 *
 * @param ids token ids
 * @param typeIds token type (segment) ids, all 0 for a single text
 * @param attentionMask 1 for every token (padding is added later, by whoever batches)
 * @param tokenCount tokens the whole text produced, special tokens included, before truncation
 * @param unknownCount tokens among {@code ids} that are the unknown token
 */
public record TokenizedText(long[] ids, long[] typeIds, long[] attentionMask, int tokenCount, int unknownCount) {

    public TokenizedText {
        Objects.requireNonNull(ids, "ids");
        Objects.requireNonNull(typeIds, "typeIds");
        Objects.requireNonNull(attentionMask, "attentionMask");
        if (typeIds.length != ids.length || attentionMask.length != ids.length) {
            throw new IllegalArgumentException("ids, type ids and attention mask differ in length: " + ids.length + ", "
                    + typeIds.length + ", " + attentionMask.length);
        }
        if (tokenCount < ids.length || unknownCount < 0 || unknownCount > ids.length) {
            throw new IllegalArgumentException("inconsistent counts: " + ids.length + " ids, " + tokenCount
                    + " tokens, " + unknownCount + " unknown");
        }
    }

    /** Tokens kept. */
    public int length() {
        return ids.length;
    }

    /** Whether tokens were cut off at the maximum length. */
    public boolean truncated() {
        return tokenCount > ids.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenizedText t
                && Arrays.equals(ids, t.ids)
                && Arrays.equals(typeIds, t.typeIds)
                && Arrays.equals(attentionMask, t.attentionMask)
                && tokenCount == t.tokenCount
                && unknownCount == t.unknownCount;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(ids), Arrays.hashCode(typeIds), tokenCount, unknownCount);
    }

    @Override
    public String toString() {
        return "TokenizedText[ids=" + Arrays.toString(ids) + ", tokenCount=" + tokenCount + ", unknownCount="
                + unknownCount + "]";
    }
}
