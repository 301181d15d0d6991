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
        var first = DeadLetters.parts(
                        null,
                        new byte[1],
                        new RecordHeaders(),
                        new DeadLetters.Source("a", 0, 1),
                        new Rejection(RejectReason.EMPTY_TEXT, "first"),
                        "x",
                        DeadLetters.DEFAULT_MAX_BYTES)
                .headers();
        var second = DeadLetters.parts(
                        null,
                        new byte[1],
                        first,
                        new DeadLetters.Source("b", 3, 9),
                        new Rejection(RejectReason.TEXT_TOO_LONG, "second"),
                        "y",
                        DeadLetters.DEFAULT_MAX_BYTES)
                .headers();

        assertThat(second.headers(DeadLetters.REASON)).hasSize(1);
        assertThat(DeadLetters.read(second).sourceTopic()).isEqualTo("b");
    }

    @Test
    void shouldCarryNullKeysAndValues() {
        var dead = DeadLetters.toRecord(
                "dlq",
                null,
                null,
                null,
                new DeadLetters.Source("t", 0, 0),
                new Rejection(RejectReason.MISSING_FIELD, "null value"),
                "c",
                DeadLetters.DEFAULT_MAX_BYTES);

        assertThat(dead.key()).isNull();
        assertThat(dead.value()).isNull();
        assertThat(DeadLetters.read(dead.headers()).reasonCode()).isEqualTo("MISSING_FIELD");
    }

    @Test
    void shouldKeepARecordThatFitsWhole() {
        byte[] value = new byte[900_000];
        var refused = new ConsumerRecord<>("streamtune.texts", 0, 7L, "k".getBytes(StandardCharsets.UTF_8), value);

        var dead = DeadLetters.toRecord("dlq", refused, tooLarge(), "inference/stream");

        assertThat(dead.value()).isEqualTo(value);
        assertThat(DeadLetters.read(dead.headers()).originalValueBytes()).isNull();
    }

    @Test
    void shouldCutAValueAtTheSizeLimitAndKeepItsSizeAndDigest() throws Exception {
        byte[] value = new byte[1_048_000]; // just under the broker's default max.message.bytes
        new java.util.Random(1).nextBytes(value);
        var refused = new ConsumerRecord<>("streamtune.texts", 1, 8L, "key-1".getBytes(StandardCharsets.UTF_8), value);
        refused.headers().add("traceparent", "00-abc".getBytes(StandardCharsets.UTF_8));

        var dead = DeadLetters.toRecord("dlq", refused, tooLarge(), "inference/stream");

        assertThat(DeadLetters.wireSize(dead)).isLessThanOrEqualTo(DeadLetters.DEFAULT_MAX_BYTES);
        assertThat(dead.value().length).isGreaterThan(990_000).isLessThan(value.length);
        assertThat(java.util.Arrays.copyOf(value, dead.value().length)).isEqualTo(dead.value());
        assertThat(dead.key()).isEqualTo("key-1".getBytes(StandardCharsets.UTF_8));
        assertThat(dead.headers().lastHeader("traceparent")).isNotNull();
        DeadLetter letter = DeadLetters.read(dead.headers());
        assertThat(letter.originalValueBytes()).isEqualTo(1_048_000L);
        assertThat(letter.originalValueSha256())
                .isEqualTo(java.util.HexFormat.of()
                        .formatHex(java.security.MessageDigest.getInstance("SHA-256")
                                .digest(value)));
        assertThat(letter.reasonCode()).isEqualTo("PAYLOAD_TOO_LARGE");
    }

    @Test
    void shouldDropOriginalHeadersAndHashAHugeKeyWhenTheyAloneDoNotFit() {
        byte[] key = new byte[20_000];
        var refused = new ConsumerRecord<>("streamtune.texts", 0, 3L, key, new byte[10]);
        for (int i = 0; i < 10; i++) {
            refused.headers().add("h" + i, new byte[4_000]);
        }

        var dead = DeadLetters.toRecord("dlq", refused, tooLarge(), "inference/stream", DeadLetters.MIN_MAX_BYTES);

        assertThat(DeadLetters.wireSize(dead)).isLessThanOrEqualTo(DeadLetters.MIN_MAX_BYTES);
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).startsWith("sha256:");
        assertThat(dead.headers().lastHeader(DeadLetters.KEY_ORIGINAL_SHA256)).isNotNull();
        assertThat(new String(
                        dead.headers().lastHeader(DeadLetters.HEADERS_DROPPED).value(), StandardCharsets.UTF_8))
                .isEqualTo("10");
        assertThat(dead.headers().lastHeader("h0")).isNull();
        assertThat(DeadLetters.read(dead.headers()).reasonCode()).isEqualTo("PAYLOAD_TOO_LARGE");
    }

    @Test
    void shouldBoundAnOverlongReason() {
        var refused = new ConsumerRecord<>("t", 0, 0L, (byte[]) null, new byte[1]);

        var dead = DeadLetters.toRecord(
                "dlq", refused, new Rejection(RejectReason.PROCESSING_FAILED, "x".repeat(100_000)), "c");

        assertThat(DeadLetters.read(dead.headers()).reason()).hasSizeLessThanOrEqualTo(2_048);
    }

    private static Rejection tooLarge() {
        return new Rejection(RejectReason.PAYLOAD_TOO_LARGE, "value is too large");
    }
}
