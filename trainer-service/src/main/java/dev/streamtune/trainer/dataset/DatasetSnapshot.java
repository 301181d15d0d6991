package dev.streamtune.trainer.dataset;

import dev.streamtune.common.model.OffsetRange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * The dataset as one training run sees it: every example by split, taken from one consistent view of the store, with
 * the input offsets it covers and the change counter at that moment.
 *
 * @param changeCount examples added, changed or deleted since the trainer's dataset began, at snapshot time
 * @param lastDeletionOffsets per input partition, the offset of the last deletion that removed an example
 */
public record DatasetSnapshot(
        Instant takenAt,
        Map<Split, List<DatasetEntry>> entries,
        List<OffsetRange> offsets,
        long changeCount,
        Map<Integer, Long> lastDeletionOffsets) {

    public DatasetSnapshot {
        EnumMap<Split, List<DatasetEntry>> copy = new EnumMap<>(Split.class);
        for (Split s : Split.values()) {
            copy.put(s, List.copyOf(entries.getOrDefault(s, List.of())));
        }
        entries = java.util.Collections.unmodifiableMap(copy);
        offsets = List.copyOf(offsets);
        lastDeletionOffsets = Map.copyOf(lastDeletionOffsets);
    }

    public List<DatasetEntry> split(Split split) {
        return entries.get(split);
    }

    public int size() {
        return entries.values().stream().mapToInt(List::size).sum();
    }

    /** Every label with at least one example, sorted. */
    public Set<String> labels() {
        return entries.values().stream()
                .flatMap(List::stream)
                .map(e -> e.example().label())
                .collect(Collectors.toCollection(TreeSet::new));
    }

    public Set<String> ids() {
        return entries.values().stream()
                .flatMap(List::stream)
                .map(e -> e.example().id())
                .collect(Collectors.toSet());
    }

    /** Examples per split ({@code train}, {@code validation}, {@code test}). */
    public Map<String, Long> splitCounts() {
        Map<String, Long> counts = new LinkedHashMap<>();
        for (Split s : Split.values()) {
            counts.put(s.id(), (long) entries.get(s).size());
        }
        return counts;
    }

    /** Per split, examples per label. */
    public Map<String, Map<String, Long>> labelCounts() {
        Map<String, Map<String, Long>> counts = new LinkedHashMap<>();
        for (Split s : Split.values()) {
            counts.put(
                    s.id(),
                    entries.get(s).stream()
                            .collect(Collectors.groupingBy(
                                    e -> e.example().label(), TreeMap::new, Collectors.counting())));
        }
        return counts;
    }

    /** Labels in the order a model should use: {@code previous} first (kept indices), then new ones sorted. */
    public List<String> labelOrder(List<String> previous) {
        Set<String> present = labels();
        List<String> order = new ArrayList<>();
        for (String label : previous) {
            if (present.contains(label)) {
                order.add(label);
            }
        }
        for (String label : present) {
            if (!order.contains(label)) {
                order.add(label);
            }
        }
        return order;
    }
}
