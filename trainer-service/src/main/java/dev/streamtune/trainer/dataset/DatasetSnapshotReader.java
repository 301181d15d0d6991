package dev.streamtune.trainer.dataset;

import dev.streamtune.common.model.OffsetRange;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Reads a {@link DatasetSnapshot} and dataset statistics from the stores (interactive queries: stream threads keep
 * running). Offsets and counters are read before the examples, so the lineage never claims input the snapshot may
 * not contain; each entry's own offset then extends the range to what the snapshot did see.
 */
public final class DatasetSnapshotReader {

    private final String examplesTopic;

    public DatasetSnapshotReader(String examplesTopic) {
        this.examplesTopic = examplesTopic;
    }

    public DatasetSnapshot read(
            ReadOnlyKeyValueStore<String, DatasetEntry> dataset, ReadOnlyKeyValueStore<String, Long> meta) {
        Instant takenAt = Instant.now();
        DatasetStats stats = stats(meta);
        Map<Split, List<DatasetEntry>> entries = new EnumMap<>(Split.class);
        Map<Integer, long[]> ranges = new TreeMap<>();
        stats.lastOffsets().forEach((p, o) -> ranges.put(p, new long[] {Long.MAX_VALUE, o}));
        try (KeyValueIterator<String, DatasetEntry> it = dataset.all()) {
            while (it.hasNext()) {
                DatasetEntry entry = it.next().value;
                entries.computeIfAbsent(entry.split(), s -> new ArrayList<>()).add(entry);
                long[] range = ranges.computeIfAbsent(entry.partition(), p -> new long[] {Long.MAX_VALUE, -1});
                range[0] = Math.min(range[0], entry.offset());
                range[1] = Math.max(range[1], entry.offset());
            }
        }
        // stable order: snapshots of the same data train the same way
        entries.values()
                .forEach(l -> l.sort(Comparator.comparing(e -> e.example().id())));
        List<OffsetRange> offsets = new ArrayList<>();
        ranges.forEach(
                (p, r) -> offsets.add(new OffsetRange(examplesTopic, p, r[0] == Long.MAX_VALUE ? r[1] : r[0], r[1])));
        return new DatasetSnapshot(takenAt, entries, offsets, stats.changeCount(), stats.lastDeletionOffsets());
    }

    /** Counters only: cheap enough for every status request and metrics scrape. */
    public DatasetStats stats(ReadOnlyKeyValueStore<String, Long> meta) {
        Map<String, Map<String, Long>> counts = new TreeMap<>();
        for (Split s : Split.values()) {
            counts.put(s.id(), new TreeMap<>());
        }
        Map<Integer, Long> lastOffsets = new HashMap<>();
        Map<Integer, Long> deletions = new HashMap<>();
        long changes = 0;
        long rejected = 0;
        try (KeyValueIterator<String, Long> it = meta.all()) {
            while (it.hasNext()) {
                KeyValue<String, Long> kv = it.next();
                String key = kv.key;
                if (key.startsWith(DatasetStores.COUNT)) {
                    // count/<partition>/<split>/<label>; labels may contain '/'
                    String[] parts = key.split("/", 4);
                    counts.get(parts[2]).merge(parts[3], kv.value, Long::sum);
                } else if (key.startsWith(DatasetStores.CHANGES)) {
                    changes += kv.value;
                } else if (key.startsWith(DatasetStores.REJECTED)) {
                    rejected += kv.value;
                } else if (key.startsWith(DatasetStores.OFFSET)) {
                    lastOffsets.merge(partitionOf(key), kv.value, Math::max);
                } else if (key.startsWith(DatasetStores.DELETED)) {
                    deletions.merge(partitionOf(key), kv.value, Math::max);
                }
            }
        }
        return new DatasetStats(counts, changes, rejected, lastOffsets, deletions);
    }

    private static int partitionOf(String key) {
        return Integer.parseInt(key.substring(key.indexOf('/') + 1));
    }
}
