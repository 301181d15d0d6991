package dev.streamtune.trainer.kafka;

import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.trainer.publish.RegistryWriter;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes registry records in Kafka transactions: a version's PUBLISHED record and the LIVE record appear together or
 * not at all for read_committed readers, and a second trainer with the same model name fences the first.
 */
public final class KafkaRegistryWriter implements RegistryWriter, AutoCloseable {

    private final String topic;
    private final Consumer<List<ModelRegistryEvent>> committed;
    private final KafkaProducer<String, ModelRegistryEvent> producer;

    /**
     * @param transactionalId one per model name, stable across restarts: a restarted or second trainer of the same
     *     model fences the previous one
     * @param committed told of every committed batch (read-your-writes for a registry view that lags the topic)
     */
    public KafkaRegistryWriter(
            String topic,
            String transactionalId,
            Map<String, Object> clientConfig,
            Consumer<List<ModelRegistryEvent>> committed) {
        this.topic = topic;
        this.committed = committed;
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "streamtune-trainer-registry");
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        this.producer = new KafkaProducer<>(config, new StringSerializer(), JsonSerde.of(ModelRegistryEvent.class));
        producer.initTransactions();
    }

    @Override
    public synchronized void write(List<ModelRegistryEvent> events) {
        try {
            producer.beginTransaction();
            for (ModelRegistryEvent event : events) {
                producer.send(new ProducerRecord<>(topic, event.key(), event));
            }
            producer.commitTransaction();
        } catch (ProducerFencedException e) {
            throw new IllegalStateException(
                    "another trainer instance took over the registry of this model; this one must stop", e);
        } catch (KafkaException e) {
            producer.abortTransaction();
            throw new IllegalStateException("registry write to " + topic + " failed and was aborted: " + e, e);
        }
        committed.accept(events);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
