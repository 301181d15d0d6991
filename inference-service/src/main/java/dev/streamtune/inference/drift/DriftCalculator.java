package dev.streamtune.inference.drift;

import dev.streamtune.common.event.DriftEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.model.DriftBaselines;
import dev.streamtune.common.model.Histogram;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Turns a window's statistics and the version's manifest baselines into a drift record and its breaches. */
public final class DriftCalculator {

    /**
     * Pseudo-count added to every bin of both distributions before PSI is taken (Laplace's add-one smoothing, each
     * side by its own number of observations). PSI is infinite over an empty bin; flooring empty bins at a constant
     * instead made a bin that a small validation split happened to leave empty read as drift as soon as a few live
     * texts landed in it. One rather than Jeffreys' 0.5: half the false alerts on a 100-text validation split, and
     * the real shifts of DriftAlertRateTest still alert on their first possible window.
     */
    static final double PSEUDO_COUNT = 1.0;

    /**
     * The drift record and, when it breached, which metrics crossed their thresholds.
     *
     * @param sized whether the window held the minimum sample: an under-sized one never breaches
     */
    public record Evaluation(DriftEvent event, List<String> breaches, boolean sized) {}

    private final DriftSettings settings;

    public DriftCalculator(DriftSettings settings) {
        this.settings = settings;
    }

    /**
     * @param labels the version's labels in index order, null when the registry has no record of it
     * @param baselines the version's baselines, null when unknown (then only the low-confidence rate can breach)
     */
    public Evaluation evaluate(
            String model,
            long version,
            Instant windowStart,
            Instant windowEnd,
            DriftWindow w,
            List<String> labels,
            DriftBaselines baselines) {
        List<String> order = labels != null ? labels : new ArrayList<>(w.labelCounts.keySet());
        Map<String, Double> distribution = new LinkedHashMap<>();
        for (String label : order) {
            distribution.put(label, fraction(w.labelCounts.getOrDefault(label, 0L), w.count));
        }
        double meanConfidence = w.count == 0 ? 0 : w.sumConfidence / w.count;
        double meanEntropy = w.count == 0 ? 0 : w.sumEntropy / w.count;
        double meanTokens = w.withTokens == 0 ? 0 : (double) w.sumTokens / w.withTokens;
        double unknownRate = w.sumKeptTokens == 0 ? 0 : (double) w.sumUnknownTokens / w.sumKeptTokens;
        double lowRate = fraction(w.lowConfidence, w.count);

        double labelPsi = 0;
        double tokenPsi = 0;
        List<String> breaches = new ArrayList<>();
        boolean enough = w.count >= settings.minCount();
        if (baselines != null) {
            List<Double> expected = new ArrayList<>();
            List<Double> actual = new ArrayList<>();
            for (String label : order) {
                expected.add(baselines.labelPrior().getOrDefault(label, 0.0));
                actual.add(distribution.get(label));
            }
            labelPsi = smoothedPsi(expected, baselineCount(baselines, w.count), actual, w.count);
            if (baselines.tokenLength() != null && w.withTokens > 0) {
                tokenPsi = smoothedPsi(
                        baselines.tokenLength().fractions(),
                        baselineCount(baselines, w.withTokens),
                        binned(baselines.tokenLength(), w),
                        w.withTokens);
            }
            if (enough) {
                check(breaches, "label PSI", labelPsi, settings.labelPsiThreshold());
                if (baselines.tokenLength() != null && w.withTokens > 0) {
                    check(breaches, "token-length PSI", tokenPsi, settings.tokenLengthPsiThreshold());
                }
                if (baselines.meanConfidence() > 0) {
                    check(
                            breaches,
                            "confidence drop",
                            baselines.meanConfidence() - meanConfidence,
                            settings.confidenceDrop());
                }
                check(breaches, "entropy rise", meanEntropy - baselines.meanEntropy(), settings.entropyRise());
                if (w.sumKeptTokens > 0) {
                    check(
                            breaches,
                            "unknown-token rate rise",
                            unknownRate - baselines.unknownTokenRate(),
                            settings.unknownTokenRateRise());
                }
            }
        }
        if (enough) {
            check(breaches, "low-confidence rate", lowRate, settings.lowConfidenceRate());
        }
        DriftEvent event = new DriftEvent(
                SchemaVersions.CURRENT,
                model,
                settings.instance(),
                Instant.now(),
                version,
                windowStart,
                windowEnd,
                w.count,
                labelPsi,
                distribution,
                meanConfidence,
                baselines == null ? 0 : baselines.meanConfidence(),
                meanEntropy,
                baselines == null ? 0 : baselines.meanEntropy(),
                meanTokens,
                baselines == null ? 0 : baselines.meanTokenLength(),
                tokenPsi,
                unknownRate,
                baselines == null ? 0 : baselines.unknownTokenRate(),
                lowRate,
                !breaches.isEmpty());
        return new Evaluation(event, breaches, enough);
    }

    /**
     * PSI of two histograms given as fractions of {@code expectedCount} and {@code actualCount} observations, each
     * smoothed with {@link #PSEUDO_COUNT} per bin first.
     */
    public static double smoothedPsi(
            List<Double> expected, double expectedCount, List<Double> actual, double actualCount) {
        return psi(smoothed(expected, expectedCount), smoothed(actual, actualCount));
    }

    /** {@code (fraction * count + PSEUDO_COUNT) / (count + bins * PSEUDO_COUNT)} for every bin. */
    static List<Double> smoothed(List<Double> fractions, double count) {
        double total = count + fractions.size() * PSEUDO_COUNT;
        List<Double> smoothed = new ArrayList<>(fractions.size());
        for (double f : fractions) {
            smoothed.add((f * count + PSEUDO_COUNT) / total);
        }
        return smoothed;
    }

    /** Population stability index: sum of (actual - expected) * ln(actual / expected), over bins that are not empty. */
    public static double psi(List<Double> expected, List<Double> actual) {
        if (expected.size() != actual.size()) {
            throw new IllegalArgumentException("PSI over " + expected.size() + " vs " + actual.size() + " bins");
        }
        double sum = 0;
        for (int i = 0; i < expected.size(); i++) {
            double e = expected.get(i);
            double a = actual.get(i);
            if (e <= 0 || a <= 0) {
                throw new IllegalArgumentException("PSI over an empty bin is infinite: smooth first");
            }
            sum += (a - e) * Math.log(a / e);
        }
        return sum;
    }

    /** Observations behind the baselines; a manifest that does not say is taken to weigh as much as the window. */
    private static double baselineCount(DriftBaselines baselines, long windowCount) {
        return baselines.sampleCount() > 0 ? baselines.sampleCount() : windowCount;
    }

    private static List<Double> binned(Histogram histogram, DriftWindow w) {
        double[] counts = new double[histogram.fractions().size()];
        w.tokenLengths.forEach((length, n) -> counts[histogram.binOf(length)] += n);
        List<Double> fractions = new ArrayList<>(counts.length);
        for (double c : counts) {
            fractions.add(c / w.withTokens);
        }
        return fractions;
    }

    private static void check(List<String> breaches, String metric, double value, double threshold) {
        if (value > threshold) {
            breaches.add(String.format("%s %.3f > %.3f", metric, value, threshold));
        }
    }

    private static double fraction(long part, long whole) {
        return whole == 0 ? 0 : (double) part / whole;
    }
}
