package dev.streamtune.trainer.kafka;

import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.trainer.dataset.DatasetEntry;
import dev.streamtune.trainer.dataset.DatasetSnapshot;
import dev.streamtune.trainer.dataset.DatasetSnapshotReader;
import dev.streamtune.trainer.dataset.DatasetStats;
import dev.streamtune.trainer.dataset.DatasetStores;
import dev.streamtune.trainer.training.DatasetAccess;
import java.util.Collection;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.IntSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** The dataset and the registry through interactive queries on the running Kafka Streams instance. */
public final class StreamsDatasetAccess implements DatasetAccess {

    private final KafkaStreams streams;
    private final String examplesTopic;
    private final IntSupplier examplesPartitions;
    private final DatasetSnapshotReader reader;

    /** @param examplesPartitions the examples topic's partition count (0 while unknown) */
    public StreamsDatasetAccess(KafkaStreams streams, String examplesTopic, IntSupplier examplesPartitions) {
        this.streams = streams;
        this.examplesTopic = examplesTopic;
        this.examplesPartitions = examplesPartitions;
        this.reader = new DatasetSnapshotReader(examplesTopic);
    }

    /**
     * Restored, processing, and holding every examples partition: the stores are complete. A Streams instance that is
     * RUNNING with only some of them (another member of its group holds the rest: a second trainer for the model, or
     * a static member of an earlier name not yet expired) would train on part of the dataset.
     */
    public boolean ready() {
        return notReadyReason().isEmpty();
    }

    /** Why {@link #ready()} is false; empty when it is true. */
    public Optional<String> notReadyReason() {
        KafkaStreams.State state = streams.state();
        if (state != KafkaStreams.State.RUNNING) {
            return Optional.of("Kafka Streams is " + state);
        }
        long owned = streams.metadataForLocalThreads().stream()
                .flatMap(thread -> thread.activeTasks().stream())
                .flatMap(task -> task.topicPartitions().stream())
                .filter(tp -> tp.topic().equals(examplesTopic))
                .distinct()
                .count();
        int partitions = examplesPartitions.getAsInt();
        if (partitions == 0 || owned < partitions) {
            return Optional.of("holds " + owned + " of " + (partitions == 0 ? "?" : partitions) + " partitions of "
                    + examplesTopic);
        }
        return Optional.empty();
    }

    @Override
    public DatasetSnapshot snapshot() {
        return reader.read(dataset(), meta());
    }

    public DatasetStats stats() {
        return reader.stats(meta());
    }

    @Override
    public Set<String> deleted(Collection<String> ids) {
        ReadOnlyKeyValueStore<String, DatasetEntry> store = dataset();
        Set<String> gone = new TreeSet<>();
        for (String id : ids) {
            if (store.get(id) == null) {
                gone.add(id);
            }
        }
        return gone;
    }

    public ReadOnlyKeyValueStore<String, ModelRegistryEvent> registry() {
        return streams.store(
                StoreQueryParameters.fromNameAndType(DatasetStores.REGISTRY, QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<String, DatasetEntry> dataset() {
        return streams.store(
                StoreQueryParameters.fromNameAndType(DatasetStores.DATASET, QueryableStoreTypes.keyValueStore()));
    }

    private ReadOnlyKeyValueStore<String, Long> meta() {
        return streams.store(
                StoreQueryParameters.fromNameAndType(DatasetStores.META, QueryableStoreTypes.keyValueStore()));
    }
}
