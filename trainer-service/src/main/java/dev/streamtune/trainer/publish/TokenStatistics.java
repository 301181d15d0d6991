package dev.streamtune.trainer.publish;

import dev.streamtune.common.tokenizer.TextTokenizer;
import dev.streamtune.common.tokenizer.TokenizedText;
import java.nio.file.Path;
import java.util.List;

/**
 * Token counts (before truncation, special tokens included) and the unknown-token rate (of the tokens the model reads)
 * of texts under the artifact's own {@code tokenizer.json}: what the serving side compares live traffic against.
 */
public record TokenStatistics(int[] lengths, double unknownTokenRate) {

    public static TokenStatistics of(Path tokenizerJson, List<String> texts, int maxLength) {
        try (TextTokenizer tokenizer = TextTokenizer.fromFile(tokenizerJson)) {
            List<TokenizedText> encoded = tokenizer.encodeBatch(texts, maxLength);
            int[] lengths = new int[encoded.size()];
            long kept = 0;
            long unknown = 0;
            for (int i = 0; i < encoded.size(); i++) {
                lengths[i] = encoded.get(i).tokenCount();
                kept += encoded.get(i).length();
                unknown += encoded.get(i).unknownCount();
            }
            return new TokenStatistics(lengths, kept == 0 ? 0 : unknown / (double) kept);
        }
    }
}
