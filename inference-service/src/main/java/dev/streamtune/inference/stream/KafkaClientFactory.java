package dev.streamtune.inference.stream;

import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Creates the stream loop's byte-level clients; tests wrap it to fail or die at chosen points. */
public interface KafkaClientFactory {

    Consumer<byte[], byte[]> consumer(Map<String, Object> config);

    Producer<byte[], byte[]> producer(Map<String, Object> config);

    /** An admin client, for questions the producer and consumer cannot answer (who owns a transactional id). */
    default Admin admin(Map<String, Object> config) {
        return Admin.create(config);
    }

    static KafkaClientFactory standard() {
        return new KafkaClientFactory() {
            @Override
            public Consumer<byte[], byte[]> consumer(Map<String, Object> config) {
                return new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer());
            }

            @Override
            public Producer<byte[], byte[]> producer(Map<String, Object> config) {
                return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
            }
        };
    }
}
