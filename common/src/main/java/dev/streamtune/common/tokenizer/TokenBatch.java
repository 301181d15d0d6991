package dev.streamtune.common.tokenizer;

import java.util.List;

/**
 * Tokenized texts padded to the longest of them (dynamic padding), flattened row-major {@code [batchSize,
 * sequenceLength]} as ONNX Runtime and DJL take them.
 */
public record TokenBatch(
        int batchSize, int sequenceLength, long[] inputIds, long[] attentionMask, long[] tokenTypeIds) {

    public TokenBatch {
        long cells = (long) batchSize * sequenceLength;
        if (batchSize < 1 || sequenceLength < 1) {
            throw new IllegalArgumentException("empty batch " + batchSize + " x " + sequenceLength);
        }
        if (inputIds.length != cells || attentionMask.length != cells || tokenTypeIds.length != cells) {
            throw new IllegalArgumentException("batch arrays do not hold " + batchSize + " x " + sequenceLength);
        }
    }

    /** Pads every text to the longest one with {@code padTokenId}, mask 0 and type id 0. */
    public static TokenBatch pad(List<TokenizedText> texts, long padTokenId) {
        if (texts.isEmpty()) {
            throw new IllegalArgumentException("cannot pad an empty batch");
        }
        int length = 1;
        for (TokenizedText t : texts) {
            length = Math.max(length, t.length());
        }
        int batch = texts.size();
        long[] ids = new long[batch * length];
        long[] mask = new long[batch * length];
        long[] types = new long[batch * length];
        java.util.Arrays.fill(ids, padTokenId);
        for (int row = 0; row < batch; row++) {
            TokenizedText t = texts.get(row);
            System.arraycopy(t.ids(), 0, ids, row * length, t.length());
            System.arraycopy(t.attentionMask(), 0, mask, row * length, t.length());
            System.arraycopy(t.typeIds(), 0, types, row * length, t.length());
        }
        return new TokenBatch(batch, length, ids, mask, types);
    }

    /** ONNX / DJL shape of each array. */
    public long[] shape() {
        return new long[] {batchSize, sequenceLength};
    }
}
