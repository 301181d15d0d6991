package dev.streamtune.inference.stream;

import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.ReviewItem;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.SourceRef;
import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.validation.RejectReason;
import dev.streamtune.common.validation.Rejection;
import dev.streamtune.common.validation.Validated;
import dev.streamtune.inference.engine.Classification;
import dev.streamtune.inference.engine.ClassifyOutcome;
import dev.streamtune.inference.engine.EngineResult;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Turns a classified batch into the records a transaction writes: for each input, in input order, its prediction
 * (same key, the input's partition), a review item when the prediction is not confident, or a dead letter with the
 * reason. Pure: no Kafka client, no clock but the one given.
 */
final class OutputMapper {

    static final String COMPONENT = "inference/stream";

    /**
     * @param predictionPartitions partitions of the predictions topic: a prediction goes to its input's partition
     *     when that exists there, else the producer's partitioner picks one by key
     * @param reviewPartitions the same for the review topic
     * @param deadLetterMaxBytes largest dead letter (see {@link DeadLetters})
     */
    record Settings(
            String predictionsTopic,
            String reviewTopic,
            String dlqTopic,
            int predictionPartitions,
            int reviewPartitions,
            double reviewThreshold,
            int deadLetterMaxBytes) {}

    private final Settings settings;
    private final Clock clock;
    private final JsonSerde<Prediction> predictionSerde = JsonSerde.of(Prediction.class);
    private final JsonSerde<ReviewItem> reviewSerde = JsonSerde.of(ReviewItem.class);

    OutputMapper(Settings settings, Clock clock) {
        this.settings = settings;
        this.clock = clock;
    }

    /**
     * One output per input record, in order.
     *
     * @param parsed each record's validation, in record order
     * @param result the engine's outcomes for the valid records, in order; null when none was valid
     */
    List<RecordOutput> map(
            List<ConsumerRecord<byte[], byte[]>> records, List<Validated<TextInput>> parsed, EngineResult result) {
        List<RecordOutput> outputs = new ArrayList<>(records.size());
        int next = 0;
        for (int i = 0; i < records.size(); i++) {
            ConsumerRecord<byte[], byte[]> record = records.get(i);
            if (parsed.get(i) instanceof Validated.Invalid<TextInput> invalid) {
                outputs.add(deadLetter(record, invalid.rejection()));
                continue;
            }
            TextInput input = ((Validated.Valid<TextInput>) parsed.get(i)).value();
            ClassifyOutcome outcome = result.outcomes().get(next++);
            if (outcome instanceof ClassifyOutcome.Failure failed) {
                outputs.add(deadLetter(record, new Rejection(RejectReason.PROCESSING_FAILED, failed.reason())));
            } else {
                outputs.add(predict(record, input, ((ClassifyOutcome.Success) outcome).classification(), result));
            }
        }
        return outputs;
    }

    /** The dead letter of one input. */
    RecordOutput deadLetter(ConsumerRecord<byte[], byte[]> record, Rejection rejection) {
        return deadLetter(record, rejection, settings.deadLetterMaxBytes());
    }

    /** The dead letter of one input, at most {@code maxBytes}. */
    RecordOutput deadLetter(ConsumerRecord<byte[], byte[]> record, Rejection rejection, int maxBytes) {
        ProducerRecord<byte[], byte[]> letter =
                DeadLetters.toRecord(settings.dlqTopic(), record, rejection, COMPONENT, maxBytes);
        return new RecordOutput(record, List.of(letter), RecordOutput.Kind.DEAD_LETTERED, -1, rejection);
    }

    private RecordOutput predict(
            ConsumerRecord<byte[], byte[]> record, TextInput input, Classification c, EngineResult result) {
        Instant now = clock.instant();
        long latency = now.toEpochMilli() - record.timestamp();
        Prediction prediction = new Prediction(
                SchemaVersions.CURRENT,
                input.id(),
                c.label(),
                c.confidence(),
                c.scores(result.labels()),
                result.model(),
                result.version(),
                latency,
                now,
                new SourceRef(record.topic(), record.partition(), record.offset()));
        RecordHeaders headers = new RecordHeaders();
        PredictionHeaders.write(headers, c.tokens(), c.keptTokens(), c.unknownTokens());
        ProducerRecord<byte[], byte[]> predicted = new ProducerRecord<>(
                settings.predictionsTopic(),
                partition(record.partition(), settings.predictionPartitions()),
                record.key(),
                predictionSerde.serialize(settings.predictionsTopic(), prediction),
                headers);
        if (c.confidence() >= settings.reviewThreshold()) {
            return new RecordOutput(record, List.of(predicted), RecordOutput.Kind.PREDICTED, latency, null);
        }
        ReviewItem item = new ReviewItem(
                SchemaVersions.CURRENT, prediction, input.text(), input.attributes(), settings.reviewThreshold());
        ProducerRecord<byte[], byte[]> review = new ProducerRecord<>(
                settings.reviewTopic(),
                partition(record.partition(), settings.reviewPartitions()),
                record.key(),
                reviewSerde.serialize(settings.reviewTopic(), item));
        return new RecordOutput(record, List.of(predicted, review), RecordOutput.Kind.REVIEWED, latency, null);
    }

    private static Integer partition(int inputPartition, int outputPartitions) {
        return inputPartition < outputPartitions ? inputPartition : null;
    }
}
