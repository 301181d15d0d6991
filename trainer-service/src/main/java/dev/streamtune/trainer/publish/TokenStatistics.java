package dev.streamtune.trainer.publish;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Token counts (before truncation, special tokens included) and the unknown-token rate of texts under the artifact's
 * own {@code tokenizer.json}: what the serving side will compare live traffic against.
 */
public record TokenStatistics(int[] lengths, double unknownTokenRate) {

    private static final java.util.Set<String> UNKNOWN_TOKENS = java.util.Set.of("[UNK]", "<unk>");

    public static TokenStatistics of(Path tokenizerJson, List<String> texts) throws IOException {
        try (HuggingFaceTokenizer tokenizer = HuggingFaceTokenizer.newInstance(
                tokenizerJson, Map.of("addSpecialTokens", "true", "truncation", "false", "padding", "false"))) {
            int[] lengths = new int[texts.size()];
            long tokens = 0;
            long unknown = 0;
            for (int i = 0; i < texts.size(); i++) {
                Encoding encoding = tokenizer.encode(texts.get(i));
                String[] pieces = encoding.getTokens();
                lengths[i] = pieces.length;
                tokens += pieces.length;
                for (String piece : pieces) {
                    if (UNKNOWN_TOKENS.contains(piece)) {
                        unknown++;
                    }
                }
            }
            return new TokenStatistics(lengths, tokens == 0 ? 0 : unknown / (double) tokens);
        }
    }
}
