package dev.streamtune.trainer.kafka;

import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.trainer.dataset.DatasetEntry;
import dev.streamtune.trainer.dataset.DatasetSnapshot;
import dev.streamtune.trainer.dataset.DatasetSnapshotReader;
import dev.streamtune.trainer.dataset.DatasetStats;
import dev.streamtune.trainer.dataset.DatasetStores;
import dev.streamtune.trainer.training.DatasetAccess;
import java.util.Collection;
import java.util.Set;
import java.util.TreeSet;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** The dataset and the registry through interactive queries on the running Kafka Streams instance. */
public final class StreamsDatasetAccess implements DatasetAccess {

    private final KafkaStreams streams;
    private final DatasetSnapshotReader reader;

    public StreamsDatasetAccess(KafkaStreams streams, String examplesTopic) {
        this.streams = streams;
        this.reader = new DatasetSnapshotReader(examplesTopic);
    }

    /** Restored and processing: the stores are complete. */
    public boolean ready() {
        return streams.state() == KafkaStreams.State.RUNNING;
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
