package dev.streamtune.inference.drift;

import java.time.Duration;

/**
 * What the drift monitor reads, writes and compares.
 *
 * @param lowConfidenceThreshold a prediction under this confidence counts as low-confidence (the review threshold)
 * @param minCount windows with fewer predictions are reported but neither breach nor clear an alert
 * @param consecutiveWindows breached windows in a row that raise an alert, and clean windows in a row that clear it
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
