package dev.streamtune.kafka.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producers and consumers the process tests share. */
final class TestClients {

    private TestClients() {}

    /** A transactional producer; {@code maxBlock} bounds every blocking call (commit included). */
    static KafkaProducer<String, String> transactionalProducer(
            Map<String, Object> client, String transactionalId, Duration maxBlock) {
        var config = new HashMap<>(client);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(maxBlock.toMillis()));
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /**
     * Reads {@code topic} from the beginning as group {@code groupId} until {@code count} records arrived, then a
     * little longer to catch any extra; gives up after {@code timeout}.
     */
    static List<ConsumerRecord<String, String>> readCommitted(
            Map<String, Object> client, String topic, String groupId, int count, Duration timeout) {
        var config = new HashMap<>(client);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, groupId);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var records = new ArrayList<ConsumerRecord<String, String>>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + timeout.toNanos();
            long settle = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settle)) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                if (records.size() >= count && settle == Long.MAX_VALUE) {
                    settle = System.nanoTime() + Duration.ofMillis(500).toNanos();
                }
            }
            consumer.commitSync();
        }
        return records;
    }
}
