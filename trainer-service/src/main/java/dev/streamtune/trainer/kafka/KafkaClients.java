package dev.streamtune.trainer.kafka;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.TopicPartition;

/** The client settings the trainer's own Kafka clients share, and the read_committed whole-topic reader's. */
public final class KafkaClients {

    private KafkaClients() {}

    /** The Kafka client extension's settings (every {@code kafka.*} key) less those that belong to other kinds. */
    public static Map<String, Object> shared(Map<String, Object> kafkaConfig) {
        Map<String, Object> clients = new HashMap<>(kafkaConfig);
        // the client extension passes every kafka.* key; these belong to other client kinds
        clients.keySet().removeIf(k -> k.startsWith("devservices") || k.startsWith("health"));
        return clients;
    }

    /**
     * A consumer that reads whole topics as a read_committed reader sees them: no group (it assigns partitions
     * itself and commits nothing), {@code clientId} unless one is given.
     */
    public static Map<String, Object> committedReader(Map<String, Object> clientConfig, String clientId) {
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.remove(ConsumerConfig.GROUP_ID_CONFIG);
        c.remove(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG);
        // interceptors given for the trainer's producers are not consumer interceptors
        c.remove(ConsumerConfig.INTERCEPTOR_CLASSES_CONFIG);
        c.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        return Map.copyOf(c);
    }

    /** Assigns every partition of {@code topic} to {@code consumer}; returns them. */
    public static List<TopicPartition> assignAll(Consumer<?, ?> consumer, String topic, Duration timeout) {
        List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                .map(p -> new TopicPartition(topic, p.partition()))
                .toList();
        consumer.assign(partitions);
        return partitions;
    }
}
