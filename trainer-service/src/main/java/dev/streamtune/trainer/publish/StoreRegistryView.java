package dev.streamtune.trainer.publish;

import dev.streamtune.common.model.ModelRegistryEvent;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * The registry from the models topic's global table, plus what this trainer has itself written and the table has not
 * caught up with yet (read-your-writes for version numbers and the live record).
 */
public final class StoreRegistryView implements RegistryView {

    private final Supplier<ReadOnlyKeyValueStore<String, ModelRegistryEvent>> store;
    private final Map<String, ModelRegistryEvent> ownWrites = new ConcurrentHashMap<>();

    public StoreRegistryView(Supplier<ReadOnlyKeyValueStore<String, ModelRegistryEvent>> store) {
        this.store = store;
    }

    /** Remembers records this trainer committed to the models topic. */
    public void written(List<ModelRegistryEvent> events) {
        events.forEach(e -> ownWrites.put(e.key(), e));
    }

    @Override
    public Optional<ModelRegistryEvent> live(String model) {
        return Optional.ofNullable(newer(
                store.get().get(ModelRegistryEvent.liveKey(model)), ownWrites.get(ModelRegistryEvent.liveKey(model))));
    }

    @Override
    public List<ModelRegistryEvent> versions(String model) {
        String prefix = model + "/v";
        Map<String, ModelRegistryEvent> byKey = new java.util.HashMap<>();
        try (KeyValueIterator<String, ModelRegistryEvent> it = store.get().prefixScan(prefix, new StringSerializer())) {
            while (it.hasNext()) {
                KeyValue<String, ModelRegistryEvent> kv = it.next();
                if (kv.value != null) {
                    byKey.put(kv.key, kv.value);
                }
            }
        }
        ownWrites.forEach((k, v) -> {
            if (k.startsWith(prefix)) {
                byKey.put(k, newer(byKey.get(k), v));
            }
        });
        List<ModelRegistryEvent> versions = new ArrayList<>(byKey.values());
        versions.sort(Comparator.comparingLong(ModelRegistryEvent::version));
        return versions;
    }

    private static ModelRegistryEvent newer(ModelRegistryEvent a, ModelRegistryEvent b) {
        if (a == null) {
            return b;
        }
        if (b == null || a.ts() == null || b.ts() == null) {
            return a;
        }
        return b.ts().isAfter(a.ts()) ? b : a;
    }
}
