package dev.streamtune.common.model;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluation of a classifier on a labeled set.
 *
 * @param labels label names in index order (rows and columns of {@link #confusion()})
 * @param perClass metrics per label, in label order
 * @param confusion {@code confusion[true][predicted]} counts
 * @param expectedCalibrationError ECE over equal-width confidence bins
 * @param loss mean cross-entropy
 */
public record ClassificationMetrics(
        long examples,
        double accuracy,
        double macroF1,
        double loss,
        double expectedCalibrationError,
        List<String> labels,
        Map<String, ClassMetrics> perClass,
        List<List<Long>> confusion) {

    public ClassificationMetrics {
        labels = labels == null ? List.of() : List.copyOf(labels);
        perClass = perClass == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(perClass));
        confusion = confusion == null
                ? List.of()
                : confusion.stream().map(List::copyOf).toList();
    }
}
