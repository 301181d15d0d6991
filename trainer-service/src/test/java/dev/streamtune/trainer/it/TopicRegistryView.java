package dev.streamtune.trainer.it;

import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.trainer.publish.RegistryView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** The registry as a read_committed reader of the models topic sees it (what an inference service sees). */
final class TopicRegistryView implements RegistryView {

    private final String topic;
    private final Map<String, Object> clientConfig;

    TopicRegistryView(String topic, Map<String, Object> clientConfig) {
        this.topic = topic;
        this.clientConfig = clientConfig;
    }

    /** Latest record per key, read to the end of the topic now. */
    Map<String, ModelRegistryEvent> read() {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, ModelRegistryEvent> latest = new HashMap<>();
        var serde = JsonSerde.of(ModelRegistryEvent.class);
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    latest.put(r.key(), r.value() == null ? null : serde.deserialize(topic, r.value()));
                }
            }
        }
        latest.values().removeIf(java.util.Objects::isNull);
        return latest;
    }

    @Override
    public Optional<ModelRegistryEvent> live(String model) {
        return Optional.ofNullable(read().get(ModelRegistryEvent.liveKey(model)));
    }

    @Override
    public List<ModelRegistryEvent> versions(String model) {
        List<ModelRegistryEvent> versions = new ArrayList<>();
        read().forEach((k, v) -> {
            if (k.startsWith(model + "/v") && v.status() != RegistryStatus.LIVE) {
                versions.add(v);
            }
        });
        versions.sort(Comparator.comparingLong(ModelRegistryEvent::version));
        return versions;
    }
}
