package dev.streamtune.trainer.dataset;

import java.util.Map;
import java.util.TreeSet;

/**
 * Dataset counters summed over input partitions.
 *
 * @param labelCounts per split id, examples per label
 * @param changeCount examples added, changed or deleted so far (monotonic; survives restarts)
 * @param rejected records refused to the DLQ so far
 * @param lastOffsets per input partition, the last offset processed
 * @param lastDeletionOffsets per input partition, the offset of the last deletion that removed an example
 */
public record DatasetStats(
        Map<String, Map<String, Long>> labelCounts,
        long changeCount,
        long rejected,
        Map<Integer, Long> lastOffsets,
        Map<Integer, Long> lastDeletionOffsets) {

    public long total() {
        return labelCounts.values().stream()
                .flatMap(m -> m.values().stream())
                .mapToLong(Long::longValue)
                .sum();
    }

    public long total(String split) {
        return labelCounts.getOrDefault(split, Map.of()).values().stream()
                .mapToLong(Long::longValue)
                .sum();
    }

    public TreeSet<String> labels() {
        TreeSet<String> labels = new TreeSet<>();
        labelCounts.values().forEach(m -> labels.addAll(m.keySet()));
        return labels;
    }
}
