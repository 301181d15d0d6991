package dev.streamtune.trainer.dataset;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.json.JsonSerde;
import java.time.Clock;
import java.time.Duration;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Picks drift alerts for this model out of the monitoring topic. The topic belongs to every service, so an unreadable
 * event is logged with its position rather than dead-lettered by each reader; alerts older than {@code maxAge} are
 * history, not a reason to train.
 */
final class DriftAlertProcessor implements Processor<byte[], byte[], Void, Void> {

    static final String DRIFT_KIND = "drift";
    private static final Logger LOG = LoggerFactory.getLogger(DriftAlertProcessor.class);
    private static final JsonSerde<MonitoringEvent> SERDE = JsonSerde.of(MonitoringEvent.class);

    private final String model;
    private final Duration maxAge;
    private final Clock clock;
    private final TrainerSignals signals;
    private ProcessorContext<Void, Void> context;

    DriftAlertProcessor(String model, Duration maxAge, Clock clock, TrainerSignals signals) {
        this.model = model;
        this.maxAge = maxAge;
        this.clock = clock;
        this.signals = signals;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        if (record.value() == null) {
            return;
        }
        MonitoringEvent event;
        try {
            event = SERDE.deserialize("monitoring", record.value());
        } catch (SerializationException e) {
            RecordMetadata source = context.recordMetadata().orElseThrow();
            LOG.warn(
                    "Unreadable monitoring event at {}-{}@{} skipped: {}",
                    source.topic(),
                    source.partition(),
                    source.offset(),
                    e.getMessage());
            return;
        }
        if (event instanceof AlertEvent alert && DRIFT_KIND.equals(alert.kind()) && model.equals(alert.model())) {
            if (alert.ts() != null && alert.ts().plus(maxAge).isBefore(clock.instant())) {
                LOG.info("Ignoring drift alert from {} at {}: older than {}", alert.instance(), alert.ts(), maxAge);
                return;
            }
            signals.onDriftAlert(alert);
        }
    }
}
