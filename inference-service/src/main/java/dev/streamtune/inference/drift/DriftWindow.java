package dev.streamtune.inference.drift;

import java.util.Map;
import java.util.TreeMap;

/** Running statistics of one model version's predictions in one window (the aggregate the topology stores). */
public final class DriftWindow {

    /** Token counts above this share one histogram entry: bounds the state per window. */
    static final int MAX_TRACKED_LENGTH = 8192;

    public long count;
    public Map<String, Long> labelCounts = new TreeMap<>();
    public double sumConfidence;
    public double sumEntropy;
    public long lowConfidence;
    public long withTokens;
    public long sumTokens;
    public Map<Integer, Long> tokenLengths = new TreeMap<>();
    public long sumKeptTokens;
    public long sumUnknownTokens;

    public DriftWindow add(DriftSample sample) {
        count++;
        labelCounts.merge(sample.label(), 1L, Long::sum);
        sumConfidence += sample.confidence();
        sumEntropy += sample.entropy();
        if (sample.lowConfidence()) {
            lowConfidence++;
        }
        if (sample.tokens() >= 0) {
            withTokens++;
            sumTokens += sample.tokens();
            tokenLengths.merge(Math.min(sample.tokens(), MAX_TRACKED_LENGTH), 1L, Long::sum);
        }
        if (sample.keptTokens() > 0 && sample.unknownTokens() >= 0) {
            sumKeptTokens += sample.keptTokens();
            sumUnknownTokens += sample.unknownTokens();
        }
        return this;
    }
}
