package dev.streamtune.trainer.it;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.model.OffsetRange;
import dev.streamtune.trainer.dataset.DatasetEntry;
import dev.streamtune.trainer.dataset.DatasetSnapshot;
import dev.streamtune.trainer.dataset.Split;
import dev.streamtune.trainer.dataset.SplitAssigner;
import dev.streamtune.trainer.training.DatasetAccess;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** A dataset given as a list (the topology is tested on its own): what a run's snapshot would hold. */
final class FixedDataset implements DatasetAccess {

    private final List<LabeledExample> examples;
    private final Set<String> deleted = new TreeSet<>();

    FixedDataset(List<LabeledExample> examples) {
        this.examples = List.copyOf(examples);
    }

    void delete(String id) {
        deleted.add(id);
    }

    @Override
    public DatasetSnapshot snapshot() {
        SplitAssigner splits = new SplitAssigner(0.2, 0.2, "streamtune");
        Map<Split, List<DatasetEntry>> entries = new EnumMap<>(Split.class);
        long offset = 0;
        for (LabeledExample e : examples) {
            if (!deleted.contains(e.id())) {
                entries.computeIfAbsent(splits.splitOf(e.id()), s -> new ArrayList<>())
                        .add(new DatasetEntry(e, splits.splitOf(e.id()), 0, offset, Instant.now()));
            }
            offset++;
        }
        return new DatasetSnapshot(
                Instant.now(),
                entries,
                List.of(new OffsetRange("streamtune.examples", 0, 0, offset - 1)),
                examples.size() + deleted.size(),
                Map.of());
    }

    @Override
    public Set<String> deleted(Collection<String> ids) {
        Set<String> gone = new TreeSet<>(ids);
        gone.retainAll(deleted);
        return gone;
    }
}
