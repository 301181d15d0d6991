package dev.streamtune.trainer.dataset;

/**
 * Names of the trainer's state stores and the keys of the metadata store. Metadata keys carry the input partition:
 * each stream task owns its own store instance, and interactive queries see the union of all of them.
 */
public final class DatasetStores {

    /** Example id → {@link DatasetEntry}; changelogged, so a restarted trainer restores it without the input. */
    public static final String DATASET = "dataset-store";

    /** Counters and offsets → long. */
    public static final String META = "dataset-meta-store";

    /** Drift windows whose alert was acted on ({@code model/vN@windowStart} → when, epoch ms); changelogged. */
    public static final String DRIFT_ALERTS = "drift-alert-windows-store";

    /** Model registry (models topic) as a global table. */
    public static final String REGISTRY = "registry-store";

    static final String OFFSET = "offset/";
    static final String CHANGES = "changes/";
    static final String DELETED = "deleted/";
    static final String REJECTED = "rejected/";
    static final String COUNT = "count/";

    private DatasetStores() {}

    static String offsetKey(int partition) {
        return OFFSET + partition;
    }

    static String changesKey(int partition) {
        return CHANGES + partition;
    }

    static String deletedKey(int partition) {
        return DELETED + partition;
    }

    static String rejectedKey(int partition) {
        return REJECTED + partition;
    }

    static String countKey(int partition, Split split, String label) {
        return COUNT + partition + "/" + split.id() + "/" + label;
    }
}
