package dev.streamtune.common.dlq;

import dev.streamtune.common.validation.Rejection;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;

/**
 * Builds and reads dead-letter records: the refused record's own key, value and headers, plus {@code streamtune.dlq.*}
 * headers that say why and where it came from.
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

    private DeadLetters() {}

    /** The dead letter for a record refused by {@code component}. */
    public static ProducerRecord<byte[], byte[]> toRecord(
            String dlqTopic, ConsumerRecord<byte[], byte[]> refused, Rejection rejection, String component) {
        return toRecord(
                dlqTopic,
                refused.key(),
                refused.value(),
                refused.headers(),
                refused.topic(),
                refused.partition(),
                refused.offset(),
                rejection,
                component);
    }

    /** The dead letter for a record known by its parts (Kafka Streams processors have no ConsumerRecord). */
    public static ProducerRecord<byte[], byte[]> toRecord(
            String dlqTopic,
            byte[] key,
            byte[] value,
            Headers originalHeaders,
            String sourceTopic,
            int sourcePartition,
            long sourceOffset,
            Rejection rejection,
            String component) {
        Headers headers = headers(originalHeaders, sourceTopic, sourcePartition, sourceOffset, rejection, component);
        return new ProducerRecord<>(dlqTopic, null, key, value, headers);
    }

    /** The original headers (minus stale DLQ headers) followed by this rejection's headers. */
    public static Headers headers(
            Headers originalHeaders,
            String sourceTopic,
            int sourcePartition,
            long sourceOffset,
            Rejection rejection,
            String component) {
        RecordHeaders headers = new RecordHeaders();
        if (originalHeaders != null) {
            for (Header h : originalHeaders) {
                if (!h.key().startsWith(HEADER_PREFIX)) {
                    headers.add(h);
                }
            }
        }
        headers.add(REASON_CODE, utf8(rejection.code().name()));
        headers.add(REASON, utf8(rejection.reason()));
        headers.add(SOURCE_TOPIC, utf8(sourceTopic));
        headers.add(SOURCE_PARTITION, utf8(Integer.toString(sourcePartition)));
        headers.add(SOURCE_OFFSET, utf8(Long.toString(sourceOffset)));
        headers.add(COMPONENT, utf8(component));
        headers.add(REJECTED_AT, utf8(Instant.now().toString()));
        return headers;
    }

    /** Reads the DLQ headers of a dead letter back. */
    public static DeadLetter read(Headers headers) {
        return new DeadLetter(
                text(headers, REASON_CODE),
                text(headers, REASON),
                text(headers, SOURCE_TOPIC),
                Integer.parseInt(orDefault(text(headers, SOURCE_PARTITION), "-1")),
                Long.parseLong(orDefault(text(headers, SOURCE_OFFSET), "-1")),
                text(headers, COMPONENT),
                text(headers, REJECTED_AT) == null ? null : Instant.parse(text(headers, REJECTED_AT)));
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
