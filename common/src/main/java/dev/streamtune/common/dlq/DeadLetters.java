package dev.streamtune.common.dlq;

import dev.streamtune.common.validation.Rejection;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds and reads dead-letter records: the refused record's own key, value and headers, plus {@code streamtune.dlq.*}
 * headers that say why and where it came from.
 *
 * <p>A dead letter never exceeds its size limit: a record refused for its size would otherwise be refused again by the
 * DLQ topic, and the transaction carrying it would fail for good. When it does not fit, the value is cut to what fits
 * (its full size and SHA-256 go into headers), then the original headers are dropped, and a key too large for a
 * quarter of the limit is replaced by its SHA-256.
 */
public final class DeadLetters {

    public static final String HEADER_PREFIX = "streamtune.dlq.";
    public static final String REASON_CODE = HEADER_PREFIX + "reason.code";
    public static final String REASON = HEADER_PREFIX + "reason";
    public static final String SOURCE_TOPIC = HEADER_PREFIX + "source.topic";
    public static final String SOURCE_PARTITION = HEADER_PREFIX + "source.partition";
    public static final String SOURCE_OFFSET = HEADER_PREFIX + "source.offset";
    public static final String COMPONENT = HEADER_PREFIX + "component";
    public static final String REJECTED_AT = HEADER_PREFIX + "rejected.at";
    /** Set when the value was cut: the original value's size in bytes. */
    public static final String VALUE_ORIGINAL_BYTES = HEADER_PREFIX + "value.original.bytes";
    /** Set when the value was cut: the original value's SHA-256 (hex). */
    public static final String VALUE_ORIGINAL_SHA256 = HEADER_PREFIX + "value.original.sha256";
    /** Set when the key was replaced: the original key's SHA-256 (hex); the key is then that text in UTF-8. */
    public static final String KEY_ORIGINAL_SHA256 = HEADER_PREFIX + "key.original.sha256";
    /** Set when the original headers were dropped to fit: how many there were. */
    public static final String HEADERS_DROPPED = HEADER_PREFIX + "headers.dropped";

    /**
     * Largest dead letter by default: under Kafka's default {@code max.message.bytes} (1,048,588) and the producer's
     * {@code max.request.size} (1,048,576), with room for the batch header.
     */
    public static final int DEFAULT_MAX_BYTES = 1_000_000;

    /** Smallest limit that still leaves room for the reason headers. */
    public static final int MIN_MAX_BYTES = 16_384;

    private static final int MAX_REASON_CHARS = 2_048;
    // per-record and per-header framing in Kafka's record format (varints, attributes, deltas): an upper bound
    private static final int RECORD_OVERHEAD = 64;
    private static final int HEADER_OVERHEAD = 10;

    private DeadLetters() {}

    /** The dead letter for a record refused by {@code component}, at most {@link #DEFAULT_MAX_BYTES}. */
    public static ProducerRecord<byte[], byte[]> toRecord(
            String dlqTopic, ConsumerRecord<byte[], byte[]> refused, Rejection rejection, String component) {
        return toRecord(dlqTopic, refused, rejection, component, DEFAULT_MAX_BYTES);
    }

    /** The dead letter for a record refused by {@code component}, at most {@code maxBytes} on the wire. */
    public static ProducerRecord<byte[], byte[]> toRecord(
            String dlqTopic,
            ConsumerRecord<byte[], byte[]> refused,
            Rejection rejection,
            String component,
            int maxBytes) {
        return toRecord(
                dlqTopic,
                refused.key(),
                refused.value(),
                refused.headers(),
                new Source(refused.topic(), refused.partition(), refused.offset()),
                rejection,
                component,
                maxBytes);
    }

    /** Where a refused record came from. */
    public record Source(String topic, int partition, long offset) {}

    /** A dead letter's key, value and headers, for a sink that sets the topic itself (a Kafka Streams sink). */
    public record Parts(byte[] key, byte[] value, Headers headers) {}

    /** The dead letter for a record known by its parts, at most {@code maxBytes} on the wire. */
    public static ProducerRecord<byte[], byte[]> toRecord(
            String dlqTopic,
            byte[] key,
            byte[] value,
            Headers originalHeaders,
            Source source,
            Rejection rejection,
            String component,
            int maxBytes) {
        Parts parts = parts(key, value, originalHeaders, source, rejection, component, maxBytes);
        return new ProducerRecord<>(dlqTopic, null, parts.key(), parts.value(), parts.headers());
    }

    /**
     * The dead letter for a record known by its parts (Kafka Streams processors have no ConsumerRecord), at most
     * {@code maxBytes} on the wire.
     */
    public static Parts parts(
            byte[] key,
            byte[] value,
            Headers originalHeaders,
            Source source,
            Rejection rejection,
            String component,
            int maxBytes) {
        if (maxBytes < MIN_MAX_BYTES) {
            throw new IllegalArgumentException("a dead letter needs at least " + MIN_MAX_BYTES + " bytes: " + maxBytes);
        }
        RecordHeaders reasons = reasonHeaders(source, rejection, component);
        RecordHeaders kept = withoutDlqHeaders(originalHeaders);

        byte[] dlqKey = key;
        if (key != null && key.length > maxBytes / 4) {
            String digest = sha256(key);
            reasons.add(KEY_ORIGINAL_SHA256, utf8(digest));
            dlqKey = utf8("sha256:" + digest);
        }
        if (wireSize(dlqKey, value, kept, reasons) > maxBytes) {
            // the value will be cut, or the headers alone do not fit: say what the original value was
            if (value != null) {
                reasons.add(VALUE_ORIGINAL_BYTES, utf8(Integer.toString(value.length)));
                reasons.add(VALUE_ORIGINAL_SHA256, utf8(sha256(value)));
            }
            if (wireSize(dlqKey, null, kept, reasons) > maxBytes) {
                reasons.add(HEADERS_DROPPED, utf8(Integer.toString(kept.toArray().length)));
                kept = new RecordHeaders();
            }
        }
        byte[] dlqValue = value;
        int room = maxBytes - wireSize(dlqKey, null, kept, reasons);
        if (value != null && value.length > room) {
            dlqValue = Arrays.copyOf(value, room);
        }
        RecordHeaders headers = new RecordHeaders();
        kept.forEach(headers::add);
        reasons.forEach(headers::add);
        return new Parts(dlqKey, dlqValue, headers);
    }

    /** An upper bound of a record's size in Kafka's record format (without the batch header). */
    public static int wireSize(ProducerRecord<byte[], byte[]> record) {
        return wireSize(record.key(), record.value(), record.headers(), new RecordHeaders());
    }

    private static int wireSize(byte[] key, byte[] value, Headers headers, Headers more) {
        return RECORD_OVERHEAD + length(key) + length(value) + size(headers) + size(more);
    }

    /** Reads the DLQ headers of a dead letter back. */
    public static DeadLetter read(Headers headers) {
        String originalBytes = text(headers, VALUE_ORIGINAL_BYTES);
        return new DeadLetter(
                text(headers, REASON_CODE),
                text(headers, REASON),
                text(headers, SOURCE_TOPIC),
                Integer.parseInt(orDefault(text(headers, SOURCE_PARTITION), "-1")),
                Long.parseLong(orDefault(text(headers, SOURCE_OFFSET), "-1")),
                text(headers, COMPONENT),
                text(headers, REJECTED_AT) == null ? null : Instant.parse(text(headers, REJECTED_AT)),
                originalBytes == null ? null : Long.valueOf(originalBytes),
                text(headers, VALUE_ORIGINAL_SHA256));
    }

    private static RecordHeaders reasonHeaders(Source source, Rejection rejection, String component) {
        RecordHeaders headers = new RecordHeaders();
        String reason = rejection.reason();
        if (reason.length() > MAX_REASON_CHARS) {
            reason = reason.substring(0, MAX_REASON_CHARS - 1) + "…";
        }
        headers.add(REASON_CODE, utf8(rejection.code().name()));
        headers.add(REASON, utf8(reason));
        headers.add(SOURCE_TOPIC, utf8(source.topic()));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(source.partition())));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(source.offset())));
        headers.add(COMPONENT, utf8(component));
        headers.add(REJECTED_AT, utf8(Instant.now().toString()));
        return headers;
    }

    private static RecordHeaders withoutDlqHeaders(Headers originalHeaders) {
        RecordHeaders headers = new RecordHeaders();
        if (originalHeaders != null) {
            for (Header h : originalHeaders) {
                if (!h.key().startsWith(HEADER_PREFIX)) {
                    headers.add(h);
                }
            }
        }
        return headers;
    }

    private static int size(Headers headers) {
        int total = 0;
        for (Header h : headers) {
            total += HEADER_OVERHEAD + h.key().getBytes(StandardCharsets.UTF_8).length + length(h.value());
        }
        return total;
    }

    private static int length(byte[] bytes) {
        return bytes == null ? 0 : bytes.length;
    }

    private static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String orDefault(String value, String fallback) {
        return value == null ? fallback : value;
    }

    private static String text(Headers headers, String key) {
        Header h = headers.lastHeader(key);
        return h == null || h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String s) {
        return s == null ? new byte[0] : s.getBytes(StandardCharsets.UTF_8);
    }
}
