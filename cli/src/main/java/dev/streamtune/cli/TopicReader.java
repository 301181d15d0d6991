package dev.streamtune.cli;

import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Reads partitions from their beginning to the end they had when reading started (committed records only). */
final class TopicReader {

    private TopicReader() {}

    static void readToEnd(
            KafkaConsumer<byte[], byte[]> consumer,
            List<TopicPartition> partitions,
            Consumer<ConsumerRecord<byte[], byte[]>> sink) {
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        // under read_committed: the last stable offset, so an open transaction cannot keep us waiting past it
        Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
        var open = new HashSet<TopicPartition>();
        partitions.stream().filter(p -> consumer.position(p) < end.get(p)).forEach(open::add);
        while (!open.isEmpty()) {
            for (var record : consumer.poll(Duration.ofMillis(500))) {
                var tp = new TopicPartition(record.topic(), record.partition());
                if (record.offset() < end.get(tp)) {
                    sink.accept(record);
                }
            }
            open.removeIf(p -> consumer.position(p) >= end.get(p));
        }
    }
}
