package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.ReviewItem;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.common.validation.RejectReason;
import dev.streamtune.common.validation.Rejection;
import dev.streamtune.inference.engine.Classification;
import dev.streamtune.inference.engine.ClassifyOutcome;
import dev.streamtune.inference.engine.EngineResult;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** The records a transaction writes for a classified batch, without Kafka. */
class OutputMapperTest {

    private static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");
    private static final List<String> LABELS = List.of("ham", "spam");

    private final OutputMapper mapper = new OutputMapper(
            new OutputMapper.Settings("predictions", "review", "dlq", 2, 1, 0.6, DeadLetters.MIN_MAX_BYTES),
            Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void shouldPredictEachValidInputUnderItsKeyAndPartitionAndDeadLetterTheRestInInputOrder() {
        var records = List.of(
                record(0, 10, "a", "{\"id\":\"a\",\"text\":\"hello\"}"),
                record(1, 20, "b", "{\"text\":\"   \"}"),
                record(1, 21, "c", "plain text"),
                record(3, 5, "d", "another"));
        var parsed = records.stream()
                .map(r -> InputValidator.DEFAULT.parseText(r.key(), r.value()))
                .toList();
        var result = new EngineResult(
                "m",
                7,
                LABELS,
                List.of(success(1, 0.9f), success(0, 0.55f), new ClassifyOutcome.Failure("inference failed: boom")));

        List<RecordOutput> outputs = mapper.map(records, parsed, result);

        assertThat(outputs)
                .extracting(RecordOutput::kind)
                .containsExactly(
                        RecordOutput.Kind.PREDICTED,
                        RecordOutput.Kind.DEAD_LETTERED,
                        RecordOutput.Kind.REVIEWED,
                        RecordOutput.Kind.DEAD_LETTERED);
        ProducerRecord<byte[], byte[]> first = outputs.get(0).records().get(0);
        Prediction p = JsonSerde.of(Prediction.class).deserialize("predictions", first.value());
        assertThat(first.topic()).isEqualTo("predictions");
        assertThat(first.partition()).isZero();
        assertThat(new String(first.key(), StandardCharsets.UTF_8)).isEqualTo("a");
        assertThat(p.id()).isEqualTo("a");
        assertThat(p.label()).isEqualTo("spam");
        assertThat(p.version()).isEqualTo(7);
        assertThat(p.latencyMs()).isEqualTo(1_000);
        assertThat(p.source().offset()).isEqualTo(10);
        assertThat(first.headers().lastHeader(PredictionHeaders.TOKENS)).isNotNull();

        assertThat(DeadLetters.read(outputs.get(1).records().get(0).headers()).reasonCode())
                .isEqualTo(RejectReason.EMPTY_TEXT.name());

        // low confidence: prediction and review item; partition 1 exists in predictions but not in review
        List<ProducerRecord<byte[], byte[]>> reviewed = outputs.get(2).records();
        assertThat(reviewed).extracting(ProducerRecord::topic).containsExactly("predictions", "review");
        assertThat(reviewed.get(0).partition()).isEqualTo(1);
        assertThat(reviewed.get(1).partition()).isNull();
        ReviewItem item = JsonSerde.of(ReviewItem.class)
                .deserialize("review", reviewed.get(1).value());
        assertThat(item.text()).isEqualTo("plain text");
        assertThat(item.prediction().label()).isEqualTo("ham");

        var failed = DeadLetters.read(outputs.get(3).records().get(0).headers());
        assertThat(failed.reasonCode()).isEqualTo(RejectReason.PROCESSING_FAILED.name());
        assertThat(failed.reason()).contains("boom");
        assertThat(failed.sourcePartition()).isEqualTo(3);
        assertThat(outputs.get(3).records().get(0).partition()).isNull();
    }

    @Test
    void shouldCommitOnePastTheLastInputOfEachPartition() {
        var outputs = List.of(
                mapper.deadLetter(record(0, 10, "a", "x"), rejection()),
                mapper.deadLetter(record(1, 4, "b", "x"), rejection()),
                mapper.deadLetter(record(0, 11, "c", "x"), rejection()));

        assertThat(RecordOutput.offsets(outputs))
                .containsEntry(
                        new TopicPartition("texts", 0), new OffsetAndMetadata(12, java.util.Optional.empty(), ""))
                .containsEntry(new TopicPartition("texts", 1), new OffsetAndMetadata(5, java.util.Optional.empty(), ""))
                .hasSize(2);
        assertThat(RecordOutput.records(outputs)).hasSize(3);
    }

    @Test
    void shouldCutADeadLetterToItsLimit() {
        var huge = record(0, 1, "big", "x".repeat(100_000));

        RecordOutput dead = mapper.deadLetter(huge, rejection());

        assertThat(DeadLetters.wireSize(dead.records().get(0))).isLessThanOrEqualTo(DeadLetters.MIN_MAX_BYTES);
        assertThat(DeadLetters.read(dead.records().get(0).headers()).originalValueBytes())
                .isEqualTo(100_000L);
    }

    private static Rejection rejection() {
        return new Rejection(RejectReason.PAYLOAD_TOO_LARGE, "too large");
    }

    private static ClassifyOutcome success(int label, float confidence) {
        float[] p = label == 0 ? new float[] {confidence, 1 - confidence} : new float[] {1 - confidence, confidence};
        return new ClassifyOutcome.Success(new Classification(label, LABELS.get(label), confidence, p, 5, 5, 0));
    }

    private static ConsumerRecord<byte[], byte[]> record(int partition, long offset, String key, String value) {
        return new ConsumerRecord<>(
                "texts",
                partition,
                offset,
                NOW.toEpochMilli() - 1_000,
                TimestampType.CREATE_TIME,
                -1,
                -1,
                key.getBytes(StandardCharsets.UTF_8),
                value.getBytes(StandardCharsets.UTF_8),
                new RecordHeaders(),
                java.util.Optional.empty());
    }
}
