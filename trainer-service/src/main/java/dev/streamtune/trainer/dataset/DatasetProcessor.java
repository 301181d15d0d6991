package dev.streamtune.trainer.dataset;

import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.common.validation.RejectReason;
import dev.streamtune.common.validation.Rejection;
import dev.streamtune.common.validation.Validated;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Objects;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.jboss.logging.Logger;

/**
 * Keeps the dataset: a valid example is upserted by id (a new value is a correction), a tombstone deletes it, an invalid
 * record is forwarded as a dead letter (the only records this processor emits). Per-partition counters and offsets
 * land in the metadata store next to the data, for lineage and the retraining triggers.
 */
final class DatasetProcessor implements Processor<byte[], byte[], byte[], byte[]> {

    static final String COMPONENT = "trainer/dataset";
    private static final Logger LOG = Logger.getLogger(DatasetProcessor.class);

    private final InputValidator validator;
    private final SplitAssigner splits;
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<String, DatasetEntry> dataset;
    private KeyValueStore<String, Long> meta;

    DatasetProcessor(InputValidator validator, SplitAssigner splits) {
        this.validator = Objects.requireNonNull(validator, "validator");
        this.splits = Objects.requireNonNull(splits, "splits");
    }

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
        this.context = context;
        this.dataset = context.getStateStore(DatasetStores.DATASET);
        this.meta = context.getStateStore(DatasetStores.META);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        RecordMetadata source = context.recordMetadata().orElseThrow();
        if (record.value() == null) {
            delete(record, source);
        } else {
            upsert(record, source);
        }
        meta.put(DatasetStores.offsetKey(source.partition()), source.offset());
    }

    private void delete(Record<byte[], byte[]> record, RecordMetadata source) {
        String id = decodeKey(record.key());
        if (id == null) {
            reject(
                    record,
                    source,
                    new Rejection(
                            RejectReason.INVALID_ID,
                            record.key() == null
                                    ? "a tombstone needs the example id as its key"
                                    : "tombstone key is not valid UTF-8"));
            return;
        }
        DatasetEntry old = dataset.delete(id);
        if (old != null) {
            adjustCount(source.partition(), old.split(), old.example().label(), -1);
            increment(DatasetStores.changesKey(source.partition()));
            meta.put(DatasetStores.deletedKey(source.partition()), source.offset());
        }
    }

    private void upsert(Record<byte[], byte[]> record, RecordMetadata source) {
        Validated<LabeledExample> parsed = validator.parseExample(record.key(), record.value());
        if (parsed instanceof Validated.Invalid<LabeledExample> invalid) {
            reject(record, source, invalid.rejection());
            return;
        }
        LabeledExample example = parsed.orThrow();
        DatasetEntry old = dataset.get(example.id());
        Split split = splits.splitOf(example.id());
        DatasetEntry entry = new DatasetEntry(
                example, split, source.partition(), source.offset(), Instant.ofEpochMilli(record.timestamp()));
        dataset.put(example.id(), entry);
        if (old != null) {
            adjustCount(source.partition(), old.split(), old.example().label(), -1);
        }
        adjustCount(source.partition(), split, example.label(), +1);
        boolean changed = old == null
                || !old.example().label().equals(example.label())
                || !old.example().text().equals(example.text());
        if (changed) {
            increment(DatasetStores.changesKey(source.partition()));
        }
    }

    private void reject(Record<byte[], byte[]> record, RecordMetadata source, Rejection rejection) {
        LOG.warnf(
                "Refused example at %s-%s@%s: %s",
                source.topic(), source.partition(), source.offset(), rejection.reason());
        increment(DatasetStores.rejectedKey(source.partition()));
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

    private void adjustCount(int partition, Split split, String label, long delta) {
        String key = DatasetStores.countKey(partition, split, label);
        Long current = meta.get(key);
        long next = (current == null ? 0 : current) + delta;
        if (next <= 0) {
            meta.delete(key);
        } else {
            meta.put(key, next);
        }
    }

    private void increment(String key) {
        Long current = meta.get(key);
        meta.put(key, (current == null ? 0 : current) + 1);
    }

    private static String decodeKey(byte[] key) {
        if (key == null) {
            return null;
        }
        try {
            String id = StandardCharsets.UTF_8
                    .newDecoder()
                    .decode(ByteBuffer.wrap(key))
                    .toString();
            return id.isBlank() ? null : id;
        } catch (CharacterCodingException e) {
            return null;
        }
    }
}
