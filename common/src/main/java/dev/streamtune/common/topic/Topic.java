package dev.streamtune.common.topic;

import java.util.Map;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serde;

/**
 * A Kafka topic with everything needed to use it: its name, the serdes of its keys and values, and the settings it is
 * created with. Defined once in {@link StreamtuneTopics}; {@link #withName(String)} gives the same contract under a
 * deployment-specific name.
 */
public record Topic<K, V>(
        String name, Serde<K> keySerde, Serde<V> valueSerde, CleanupPolicy cleanupPolicy, Map<String, String> configs) {

    public Topic {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) {
            throw new IllegalArgumentException("topic name must not be blank");
        }
        Objects.requireNonNull(keySerde, "keySerde");
        Objects.requireNonNull(valueSerde, "valueSerde");
        Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
        configs = Map.copyOf(configs);
    }

    public Topic<K, V> withName(String newName) {
        return new Topic<>(newName, keySerde, valueSerde, cleanupPolicy, configs);
    }

    /** Topic-level configs to create the topic with, {@code cleanup.policy} included. */
    public Map<String, String> creationConfigs() {
        var all = new java.util.TreeMap<>(configs);
        all.put("cleanup.policy", cleanupPolicy.configValue());
        return all;
    }
}
