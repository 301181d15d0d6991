package dev.streamtune.trainer.kafka;

import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The models topic as a read_committed reader (an inference service) sees it, read from the beginning to the last
 * stable offset: what is committed, and only that.
 */
public final class ModelsTopicReader {

    private static final JsonSerde<ModelRegistryEvent> SERDE = JsonSerde.of(ModelRegistryEvent.class);

    private final String topic;
    private final Map<String, Object> config;

    public ModelsTopicReader(String topic, Map<String, Object> clientConfig) {
        this.topic = topic;
        this.config = KafkaClients.committedReader(clientConfig, "streamtune-trainer-models-reader");
    }

    /** The latest committed record of every key (tombstoned keys left out). */
    public Map<String, ModelRegistryEvent> latest(Duration timeout) {
        Map<String, ModelRegistryEvent> latest = new HashMap<>();
        scan(timeout, r -> latest.put(r.key(), r.value() == null ? null : SERDE.deserialize(topic, r.value())));
        latest.values().removeIf(java.util.Objects::isNull);
        return latest;
    }

    /**
     * Whether a committed record carries {@code header} = {@code value}. Only conclusive once the transaction that wrote
     * it is complete (committed or aborted), e.g. after a new producer with its transactional id has initialised.
     *
     * @throws TimeoutException when the topic cannot be read to its end within {@code timeout}
     */
    public boolean containsCommitted(String header, String value, Duration timeout) {
        byte[] wanted = value.getBytes(StandardCharsets.UTF_8);
        boolean[] found = {false};
        scan(timeout, r -> {
            Header h = r.headers().lastHeader(header);
            if (h != null && java.util.Arrays.equals(h.value(), wanted)) {
                found[0] = true;
            }
        });
        return found[0];
    }

    private void scan(Duration timeout, Consumer<ConsumerRecord<String, byte[]>> each) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = KafkaClients.assignAll(consumer, topic, timeout);
            consumer.seekToBeginning(partitions);
            // read_committed: the end is the last stable offset
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, left(deadline));
            while (partitions.stream().anyMatch(tp -> consumer.position(tp, left(deadline)) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new TimeoutException("could not read " + topic + " to its end within " + timeout);
                }
                consumer.poll(Duration.ofMillis(200)).forEach(each);
            }
        }
    }

    private static Duration left(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
    }
}
