package dev.streamtune.inference.drift;

/**
 * What the drift monitor keeps of one prediction.
 *
 * @param entropy of the prediction's scores, in nats
 * @param tokens tokens of the whole text before truncation, -1 when the prediction did not carry them
 * @param keptTokens tokens the model read, -1 when unknown
 * @param unknownTokens unknown tokens among those read, -1 when unknown
 */
public record DriftSample(
        String label,
        double confidence,
        double entropy,
        boolean lowConfidence,
        int tokens,
        int keptTokens,
        int unknownTokens) {}
