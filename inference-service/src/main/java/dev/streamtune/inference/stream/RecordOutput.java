package dev.streamtune.inference.stream;

import dev.streamtune.common.validation.Rejection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;

/**
 * What one consumed record becomes.
 *
 * @param records what a transaction writes for it
 * @param latencyMs from the input's timestamp to its prediction; -1 for a dead letter
 * @param rejection why it was dead-lettered; null when it was not
 */
record RecordOutput(
        ConsumerRecord<byte[], byte[]> source,
        List<ProducerRecord<byte[], byte[]>> records,
        Kind kind,
        long latencyMs,
        Rejection rejection) {

    enum Kind {
        PREDICTED,
        /** Predicted, and sent for review as well (low confidence). */
        REVIEWED,
        DEAD_LETTERED
    }

    /** Every output record of {@code outputs}, in order. */
    static List<ProducerRecord<byte[], byte[]>> records(List<RecordOutput> outputs) {
        return outputs.stream().flatMap(o -> o.records().stream()).toList();
    }

    /** The offsets to commit once {@code outputs} are written: one past the last input of each partition. */
    static Map<TopicPartition, OffsetAndMetadata> offsets(List<RecordOutput> outputs) {
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        for (RecordOutput output : outputs) {
            ConsumerRecord<byte[], byte[]> r = output.source();
            offsets.merge(
                    new TopicPartition(r.topic(), r.partition()),
                    new OffsetAndMetadata(r.offset() + 1, r.leaderEpoch(), ""),
                    (a, b) -> a.offset() >= b.offset() ? a : b);
        }
        return offsets;
    }
}
