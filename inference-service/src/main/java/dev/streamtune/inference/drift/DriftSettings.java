package dev.streamtune.inference.drift;

import java.time.Duration;

/**
 * What the drift monitor reads, writes and compares.
 *
 * @param lowConfidenceThreshold a prediction under this confidence counts as low-confidence (the review threshold)
 * @param minCount windows with fewer predictions are reported but are no evidence either way: they neither breach nor
 *     count as clean, and they break a run
 * @param consecutiveWindows breached windows in a row (adjacent in time) that raise an alert, and clean windows in a row
 *     that clear it
 */
public record DriftSettings(
        String predictionsTopic,
        String modelsTopic,
        String monitoringTopic,
        String instance,
        Duration window,
        Duration grace,
        long minCount,
        double lowConfidenceThreshold,
        double labelPsiThreshold,
        double tokenLengthPsiThreshold,
        double confidenceDrop,
        double entropyRise,
        double unknownTokenRateRise,
        double lowConfidenceRate,
        int consecutiveWindows) {}
