package dev.streamtune.trainer.dataset;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Receives the drift alerts the inference service raises: picks those for this model out of the monitoring topic
 * and hands each to {@link TrainerSignals} once. The topic belongs to every service, so an unreadable event is logged
 * with its position rather than dead-lettered by each reader; alerts older than {@code maxAge} are history, not a
 * reason to train. The drift monitor is at-least-once, so one window's alert can arrive twice: an alert for a window
 * already acted on (same model version and window start) triggers nothing.
 *
 * <p>The windows acted on live in a changelogged store, so the dedupe survives a restart or a move to another node.
 * A window is remembered for twice {@code maxAge} after it was acted on (by then any repeat of it is older than
 * {@code maxAge} and ignored anyway): a wall-clock punctuator every {@code maxAge} deletes older entries, so an
 * entry lives at most three times {@code maxAge} and the store stays as small as the alerts of that span, whether
 * or not further alerts arrive.
 */
final class DriftAlertIntake implements Processor<byte[], byte[], Void, Void> {

    static final String DRIFT_KIND = "drift";
    private static final Logger LOG = Logger.getLogger(DriftAlertIntake.class);
    private static final JsonSerde<MonitoringEvent> SERDE = JsonSerde.of(MonitoringEvent.class);

    private final String model;
    private final Duration maxAge;
    private final Clock clock;
    private final TrainerSignals signals;
    private ProcessorContext<Void, Void> context;
    private KeyValueStore<String, Long> actedOn;

    DriftAlertIntake(String model, Duration maxAge, Clock clock, TrainerSignals signals) {
        this.model = model;
        this.maxAge = maxAge;
        this.clock = clock;
        this.signals = signals;
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.context = context;
        this.actedOn = context.getStateStore(DatasetStores.DRIFT_ALERTS);
        context.schedule(
                maxAge,
                PunctuationType.WALL_CLOCK_TIME,
                t -> forget(clock.instant().minus(maxAge.multipliedBy(2))));
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
            LOG.warnf(
                    "Unreadable monitoring event at %s-%s@%s skipped: %s",
                    source.topic(), source.partition(), source.offset(), e.getMessage());
            return;
        }
        if (event instanceof AlertEvent alert && DRIFT_KIND.equals(alert.kind()) && model.equals(alert.model())) {
            Instant now = clock.instant();
            if (alert.ts() != null && alert.ts().plus(maxAge).isBefore(now)) {
                LOG.infof("Ignoring drift alert from %s at %s: older than %s", alert.instance(), alert.ts(), maxAge);
                return;
            }
            String window = windowKey(alert);
            if (window != null && actedOn.get(window) != null) {
                LOG.infof("Ignoring a repeated drift alert from %s for %s: already acted on", alert.instance(), window);
                return;
            }
            if (window != null) {
                actedOn.put(window, now.toEpochMilli());
            }
            signals.onDriftAlert(alert);
        }
    }

    /** Model version and window start; null for an alert that names no window (nothing to tell repeats by). */
    static String windowKey(AlertEvent alert) {
        if (alert.windowStart() == null || alert.version() == null) {
            return null;
        }
        return ModelRegistryEvent.versionKey(alert.model(), alert.version()) + "@" + alert.windowStart();
    }

    /** Forgets windows acted on before {@code cutoff}: a repeat of theirs would be older than {@code maxAge} by now. */
    private void forget(Instant cutoff) {
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, Long> all = actedOn.all()) {
            while (all.hasNext()) {
                KeyValue<String, Long> entry = all.next();
                if (entry.value < cutoff.toEpochMilli()) {
                    expired.add(entry.key);
                }
            }
        }
        expired.forEach(actedOn::delete);
    }
}
