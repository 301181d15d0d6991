package dev.streamtune.trainer.dataset;

import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.validation.RejectReason;
import dev.streamtune.common.validation.Rejection;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.jboss.logging.Logger;

/**
 * Reads operator commands (bytes) for this model and hands them to {@link TrainerSignals}. Malformed commands become
 * dead letters; commands for other models are not ours; commands older than {@code maxAge} (e.g. read again after a
 * long outage) are logged and skipped so a stale request cannot retrain or roll back by surprise.
 */
final class CommandProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    static final String COMPONENT = "trainer/commands";
    private static final Logger LOG = Logger.getLogger(CommandProcessor.class);
    private static final JsonSerde<TrainerCommand> SERDE = JsonSerde.of(TrainerCommand.class);

    private final String model;
    private final Duration maxAge;
    private final Clock clock;
    private final TrainerSignals signals;
    private ProcessorContext<byte[], byte[]> context;

    CommandProcessor(String model, Duration maxAge, Clock clock, TrainerSignals signals) {
        this.model = model;
        this.maxAge = maxAge;
        this.clock = clock;
        this.signals = signals;
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        if (record.value() == null) {
            return; // nothing asked
        }
        TrainerCommand command;
        try {
            command = SERDE.deserialize(source.topic(), record.value());
        } catch (SerializationException e) {
            reject(record, source, new Rejection(RejectReason.MALFORMED_JSON, e.getMessage()));
            return;
        }
        if (command.type() == null) {
            reject(record, source, new Rejection(RejectReason.MISSING_FIELD, "field 'type' is required"));
            return;
        }
        if (command.type() == TrainerCommand.Type.PROMOTE && command.version() == null) {
            reject(record, source, new Rejection(RejectReason.MISSING_FIELD, "a PROMOTE command needs 'version'"));
            return;
        }
        String target = command.model() != null
                ? command.model()
                : record.key() == null ? null : new String(record.key(), java.nio.charset.StandardCharsets.UTF_8);
        if (!model.equals(target)) {
            LOG.debugf(
                    "Command for model %s at %s-%s@%s is not for %s",
                    target, source.topic(), source.partition(), source.offset(), model);
            return;
        }
        Instant issued = command.ts() != null ? command.ts() : Instant.ofEpochMilli(record.timestamp());
        if (issued.plus(maxAge).isBefore(clock.instant())) {
            LOG.warnf(
                    "Skipping stale %s command from %s at %s-%s@%s (issued %s, older than %s)",
                    command.type(),
                    command.requestedBy(),
                    source.topic(),
                    source.partition(),
                    source.offset(),
                    issued,
                    maxAge);
            return;
        }
        LOG.infof(
                "%s command from %s at %s-%s@%s: %s",
                command.type(),
                command.requestedBy(),
                source.topic(),
                source.partition(),
                source.offset(),
                command.reason());
        try {
            signals.onCommand(command);
        } catch (RuntimeException e) {
            // e.g. the trigger could not be saved (broker away): skipped with only a log line, the command would be
            // lost without a trace the sender can see
            reject(
                    record,
                    source,
                    new Rejection(
                            RejectReason.PROCESSING_FAILED,
                            "the " + command.type() + " command could not be acted on: " + e.getMessage()
                                    + "; send it again"));
        }
    }

    private void reject(Record<byte[], byte[]> record, RecordMetadata source, Rejection rejection) {
        LOG.warnf(
                "Refused command at %s-%s@%s: %s",
                source.topic(), source.partition(), source.offset(), rejection.reason());
        DeadLetters.Parts letter = DeadLetters.parts(
                record.key(),
                record.value(),
                record.headers(),
                new DeadLetters.Source(source.topic(), source.partition(), source.offset()),
                rejection,
                COMPONENT,
                DeadLetters.DEFAULT_MAX_BYTES);
        context.forward(record.withKey(letter.key()).withValue(letter.value()).withHeaders(letter.headers()));
    }
}
