package dev.streamtune.common.validation;

import java.util.regex.Pattern;

/**
 * Limits on what the services accept.
 *
 * @param maxTextBytes longest text in UTF-8 bytes (the model truncates to its token limit anyway; this bounds memory)
 * @param maxIdChars longest example or input id
 * @param maxLabelChars longest label
 * @param maxAttributes most attributes on a text input
 * @param maxAttributeChars longest attribute key or value
 */
public record InputLimits(
        int maxTextBytes, int maxIdChars, int maxLabelChars, int maxAttributes, int maxAttributeChars) {

    public static final InputLimits DEFAULTS = new InputLimits(65_536, 256, 64, 32, 1_024);

    /**
     * Labels: a letter or digit, then letters, digits, spaces and {@code _ . : / + -}; no trailing space. Labels become
     * metric tags and file-safe names, hence the small alphabet.
     */
    public static final Pattern LABEL_PATTERN =
            Pattern.compile("[\\p{L}\\p{N}](?:[\\p{L}\\p{N}_.:/+ -]*[\\p{L}\\p{N}_.:/+-])?");

    public InputLimits {
        if (maxTextBytes < 1 || maxIdChars < 1 || maxLabelChars < 1 || maxAttributes < 0 || maxAttributeChars < 1) {
            throw new IllegalArgumentException("input limits must be positive: " + this);
        }
    }

    /** Largest record value that can still hold a valid text: JSON escaping can at most sextuple a character. */
    public int maxPayloadBytes() {
        long bound = 6L * maxTextBytes + 8L * maxIdChars + 6L * maxAttributes * 2L * maxAttributeChars + 16_384L;
        return (int) Math.min(Integer.MAX_VALUE, bound);
    }
}
