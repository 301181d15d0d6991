package dev.streamtune.common.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * What a model was trained on: the examples-topic offsets its dataset snapshot covered and how many examples (per
 * label) each split held.
 *
 * @param splitCounts examples per split: {@code train}, {@code validation}, {@code test}
 * @param labelCounts per split, examples per label
 * @param warmStartVersion the version whose weights training started from, null for the base model
 * @param lane which of the trainer's lanes made the version: {@code full} (fine-tuning) or {@code fast} (the
 *     warm-start version's encoder kept, only the head refreshed); null in manifests written before lanes existed
 */
public record TrainingLineage(
        String runId,
        Instant snapshotAt,
        List<OffsetRange> offsets,
        Map<String, Long> splitCounts,
        Map<String, Map<String, Long>> labelCounts,
        Long warmStartVersion,
        String lane) {

    public static final String LANE_FULL = "full";
    public static final String LANE_FAST = "fast";

    public TrainingLineage {
        offsets = offsets == null ? List.of() : List.copyOf(offsets);
        splitCounts = splitCounts == null ? Map.of() : Map.copyOf(splitCounts);
        labelCounts = labelCounts == null ? Map.of() : Map.copyOf(labelCounts);
    }
}
