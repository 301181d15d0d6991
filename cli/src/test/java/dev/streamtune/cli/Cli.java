package dev.streamtune.cli;

import dev.streamtune.common.topic.Topic;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;

/** Runs the command in-process as a user would, and reads back what it wrote to Kafka. */
final class Cli {

    record Result(int exitCode, String out, String err) {
        List<String> lines() {
            return out.lines().toList();
        }
    }

    private Cli() {}

    static Result run(String... args) {
        return runWithStdin(null, args);
    }

    /** With {@code stdin} as the process's standard input. */
    static synchronized Result runWithStdin(String stdin, String... args) {
        var out = new StringWriter();
        var err = new StringWriter();
        var cmd = StreamtuneCli.commandLine();
        cmd.setOut(new PrintWriter(out, true));
        cmd.setErr(new PrintWriter(err, true));
        InputStream original = System.in;
        try {
            if (stdin != null) {
                System.setIn(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
            }
            int code = cmd.execute(args);
            return new Result(code, out.toString(), err.toString());
        } finally {
            System.setIn(original);
        }
    }

    /** Every committed record of the topic, deserialized with the catalogue's serdes. */
    static <K, V> List<ConsumerRecord<K, V>> readAll(EmbeddedKafkaBroker kafka, Topic<K, V> topic) {
        var props = new HashMap<>(kafka.clientProperties());
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        var records = new ArrayList<ConsumerRecord<K, V>>();
        try (var consumer = new KafkaConsumer<>(
                props, topic.keySerde().deserializer(), topic.valueSerde().deserializer())) {
            var partitions = consumer.partitionsFor(topic.name()).stream()
                    .map(p -> new TopicPartition(topic.name(), p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            var end = consumer.endOffsets(partitions);
            var open = new HashSet<>(partitions);
            open.removeIf(p -> end.get(p) == 0);
            while (!open.isEmpty()) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                open.removeIf(p -> consumer.position(p) >= end.get(p));
            }
        }
        return records;
    }
}
