package dev.streamtune.inference.stream;

import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;

/**
 * Input statistics carried on each prediction record as headers (decimal ASCII), for the drift monitor: the value
 * stays the {@code Prediction} contract of common.
 */
public final class PredictionHeaders {

    /** Tokens the whole text produced, special tokens included, before truncation. */
    public static final String TOKENS = "streamtune.tokens";

    /** Tokens the model read (after truncation). */
    public static final String KEPT_TOKENS = "streamtune.kept-tokens";

    /** Unknown tokens among those the model read. */
    public static final String UNKNOWN_TOKENS = "streamtune.unknown-tokens";

    private PredictionHeaders() {}

    public static void write(Headers headers, int tokens, int keptTokens, int unknownTokens) {
        headers.add(TOKENS, ascii(tokens));
        headers.add(KEPT_TOKENS, ascii(keptTokens));
        headers.add(UNKNOWN_TOKENS, ascii(unknownTokens));
    }

    /** The header's number, or -1 when absent or unreadable. */
    public static int read(Headers headers, String key) {
        Header header = headers == null ? null : headers.lastHeader(key);
        if (header == null || header.value() == null) {
            return -1;
        }
        try {
            return Integer.parseInt(new String(header.value(), StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return -1;
        }
    }

    private static byte[] ascii(int value) {
        return Integer.toString(value).getBytes(StandardCharsets.US_ASCII);
    }
}
