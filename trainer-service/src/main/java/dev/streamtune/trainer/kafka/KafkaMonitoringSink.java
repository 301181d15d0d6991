package dev.streamtune.trainer.kafka;

import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.trainer.training.MonitoringSink;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Monitoring events to the monitoring topic, keyed by model name. Never fatal to a run and never holding it up for
 * long: a send that fails, synchronously or later, is logged and the event dropped; a send waits for topic metadata
 * at most {@value #MAX_BLOCK_MS} ms (the broker unreachable, or the sink closed by a shutdown under a running run).
 */
public final class KafkaMonitoringSink implements MonitoringSink, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(KafkaMonitoringSink.class);

    static final int MAX_BLOCK_MS = 2_000;

    private final String topic;
    private final KafkaProducer<String, MonitoringEvent> producer;

    public KafkaMonitoringSink(String topic, Map<String, Object> clientConfig) {
        this.topic = topic;
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "streamtune-trainer-monitoring");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 20);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, MAX_BLOCK_MS);
        this.producer = new KafkaProducer<>(config, new StringSerializer(), JsonSerde.of(MonitoringEvent.class));
    }

    @Override
    public void emit(MonitoringEvent event) {
        try {
            producer.send(new ProducerRecord<>(topic, event.model(), event), (metadata, error) -> {
                if (error != null) {
                    dropped(event, error);
                }
            });
        } catch (RuntimeException e) {
            dropped(event, e);
        }
    }

    private void dropped(MonitoringEvent event, Exception error) {
        LOG.warnf("Could not send %s to %s: %s", event.getClass().getSimpleName(), topic, error.toString());
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
