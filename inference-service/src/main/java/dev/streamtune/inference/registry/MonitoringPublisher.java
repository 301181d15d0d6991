package dev.streamtune.inference.registry;

import dev.streamtune.common.event.ErrorEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.SwapEvent;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.jboss.logging.Logger;

/** Sends this instance's swap and error events to the monitoring topic, keyed by model name. */
public final class MonitoringPublisher implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(MonitoringPublisher.class);
    public static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(5);

    private final Producer<String, MonitoringEvent> producer;
    private final String topic;
    private final String instance;

    public MonitoringPublisher(Producer<String, MonitoringEvent> producer, String topic, String instance) {
        this.producer = producer;
        this.topic = topic;
        this.instance = instance;
    }

    public void swapped(String model, Long fromVersion, long toVersion, long loadMillis, boolean rollback) {
        publish(new SwapEvent(
                SchemaVersions.CURRENT, model, instance, Instant.now(), fromVersion, toVersion, loadMillis, rollback));
    }

    public void error(String model, Long version, String component, String message) {
        publish(new ErrorEvent(SchemaVersions.CURRENT, model, instance, Instant.now(), version, component, message));
    }

    public void publish(MonitoringEvent event) {
        producer.send(new ProducerRecord<>(topic, event.model(), event), (metadata, e) -> {
            if (e != null) {
                LOG.errorf(
                        e, "cannot send %s event for %s to %s", event.getClass().getSimpleName(), event.model(), topic);
            }
        });
    }

    /**
     * Sends what is buffered for at most {@link #CLOSE_TIMEOUT}, then drops the rest: unbounded (a flush, or close()
     * without a timeout) it waited out the delivery timeout (2 min) against a broker that does not answer, past the
     * pod's grace period. Closing twice is harmless.
     */
    @Override
    public void close() {
        producer.close(CLOSE_TIMEOUT);
    }
}
