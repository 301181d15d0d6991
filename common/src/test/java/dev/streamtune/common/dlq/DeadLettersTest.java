package dev.streamtune.common.dlq;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.validation.RejectReason;
import dev.streamtune.common.validation.Rejection;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

    @Test
    void shouldKeepTheOriginalBytesAndHeadersAndAddTheReason() {
        byte[] key = {1, 2, 3};
        byte[] value = {(byte) 0xFF, 0x00, 'x'};
        var refused = new ConsumerRecord<>("streamtune.texts", 2, 41L, key, value);
        refused.headers().add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));

        var dead = DeadLetters.toRecord(
                "streamtune.dlq",
                refused,
                new Rejection(RejectReason.INVALID_UTF8, "value is not valid UTF-8"),
                "inference/stream");

        assertThat(dead.topic()).isEqualTo("streamtune.dlq");
        assertThat(dead.key()).isEqualTo(key);
        assertThat(dead.value()).isEqualTo(value);
        assertThat(dead.headers().lastHeader("traceparent").value())
                .isEqualTo("00-abc".getBytes(StandardCharsets.UTF_8));
        DeadLetter letter = DeadLetters.read(dead.headers());
        assertThat(letter.reasonCode()).isEqualTo("INVALID_UTF8");
        assertThat(letter.reason()).isEqualTo("INVALID_UTF8: value is not valid UTF-8");
        assertThat(letter.sourceTopic()).isEqualTo("streamtune.texts");
        assertThat(letter.sourcePartition()).isEqualTo(2);
        assertThat(letter.sourceOffset()).isEqualTo(41L);
        assertThat(letter.component()).isEqualTo("inference/stream");
        assertThat(letter.rejectedAt()).isNotNull();
    }

    @Test
    void shouldReplaceStaleDlqHeadersWhenARecordIsRefusedTwice() {
        var first = DeadLetters.headers(
                new RecordHeaders(), "a", 0, 1, new Rejection(RejectReason.EMPTY_TEXT, "first"), "x");
        var second = DeadLetters.headers(first, "b", 3, 9, new Rejection(RejectReason.TEXT_TOO_LONG, "second"), "y");

        assertThat(second.headers(DeadLetters.REASON)).hasSize(1);
        assertThat(DeadLetters.read(second).sourceTopic()).isEqualTo("b");
    }

    @Test
    void shouldCarryNullKeysAndValues() {
        var dead = DeadLetters.toRecord(
                "dlq", null, null, null, "t", 0, 0, new Rejection(RejectReason.MISSING_FIELD, "null value"), "c");

        assertThat(dead.key()).isNull();
        assertThat(dead.value()).isNull();
        assertThat(DeadLetters.read(dead.headers()).reasonCode()).isEqualTo("MISSING_FIELD");
    }
}
