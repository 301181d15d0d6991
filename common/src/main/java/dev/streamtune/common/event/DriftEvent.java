package dev.streamtune.common.event;

import java.time.Instant;
import java.util.Map;

/**
 * Drift statistics of one tumbling window of predictions made by one model version, next to the baselines in that
 * version's manifest.
 *
 * @param labelPsi population stability index of the predicted-label distribution vs the training prior
 * @param labelDistribution predicted-label fractions in the window
 */
public record DriftEvent(
        int schemaVersion,
        String model,
        String instance,
        Instant ts,
        long version,
        Instant windowStart,
        Instant windowEnd,
        long count,
        double labelPsi,
        Map<String, Double> labelDistribution,
        double meanConfidence,
        double baselineMeanConfidence,
        double meanEntropy,
        double baselineMeanEntropy,
        double meanTokenLength,
        double baselineMeanTokenLength,
        double tokenLengthPsi,
        double unknownTokenRate,
        double baselineUnknownTokenRate,
        double lowConfidenceRate,
        boolean breached)
        implements MonitoringEvent {

    public DriftEvent {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
        labelDistribution = labelDistribution == null ? Map.of() : Map.copyOf(labelDistribution);
    }
}
