package dev.streamtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.topic.Topic;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Follows a topic: every partition from its end (or beginning), committed records only, without a consumer group (it
 * commits nothing and needs no group ACL). Runs until Ctrl-C, {@code --max} records or {@code --idle-exit}.
 */
abstract class TailCommand<V> implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    KafkaOptions kafka;

    @Option(names = "--from-beginning", description = "Start at the oldest record kept instead of new ones only.")
    boolean fromBeginning;

    @Option(
            names = "--json",
            description = "One JSON object per line: topic, partition, offset, timestamp, key, value.")
    boolean json;

    @Option(
            names = {"-n", "--max"},
            paramLabel = "N",
            description = "Stop after N records.")
    Long max;

    @Option(
            names = "--idle-exit",
            paramLabel = "DURATION",
            converter = DurationConverter.class,
            description = "Stop when no record came for this long (e.g. 10s): for scripts.")
    Duration idleExit;

    @Option(names = "--no-header", description = "No column header line.")
    boolean noHeader;

    abstract Topic<?, V> topic();

    abstract String header();

    abstract String row(ConsumerRecord<byte[], byte[]> record, V value);

    /** The record value as JSON. */
    JsonNode json(ConsumerRecord<byte[], byte[]> record, V value) {
        return Json.mapper().valueToTree(value);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Topic<?, V> topic = kafka.topic(topic());
        try (var connection = new KafkaConnection(kafka)) {
            List<TopicPartition> partitions = connection.requireTopic(topic.name());
            try (KafkaConsumer<byte[], byte[]> consumer = connection.consumer()) {
                consumer.assign(partitions);
                if (fromBeginning) {
                    consumer.seekToBeginning(partitions);
                } else {
                    consumer.seekToEnd(partitions);
                }
                partitions.forEach(consumer::position); // resolve now: "new records" means from this moment
                if (!json && !noHeader) {
                    out.println(header());
                    out.flush();
                }
                follow(consumer, topic, out, err, connection);
            }
        }
        return ExitCodes.OK;
    }

    private void follow(
            KafkaConsumer<byte[], byte[]> consumer,
            Topic<?, V> topic,
            PrintWriter out,
            PrintWriter err,
            KafkaConnection connection) {
        var stopped = new CountDownLatch(1);
        Thread hook = new Thread(() -> {
            consumer.wakeup();
            try {
                stopped.await(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        Runtime.getRuntime().addShutdownHook(hook);
        long printed = 0;
        Instant lastRecord = Instant.now();
        try {
            while (max == null || printed < max) {
                var records = consumer.poll(Duration.ofMillis(200));
                if (records.isEmpty()) {
                    if (idleExit != null
                            && Duration.between(lastRecord, Instant.now()).compareTo(idleExit) >= 0) {
                        break;
                    }
                    continue;
                }
                lastRecord = Instant.now();
                for (var r : records) {
                    if (max != null && printed >= max) {
                        break;
                    }
                    print(r, topic, out, err);
                    printed++;
                }
                out.flush();
            }
        } catch (WakeupException e) {
            // Ctrl-C: a normal end
        } catch (KafkaException e) {
            throw connection.translate(e, topic.name());
        } finally {
            out.flush();
            stopped.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running
            }
        }
    }

    private void print(ConsumerRecord<byte[], byte[]> r, Topic<?, V> topic, PrintWriter out, PrintWriter err) {
        V value;
        try {
            value = topic.valueSerde().deserializer().deserialize(topic.name(), r.value());
        } catch (SerializationException e) {
            err.println("skipped " + r.topic() + "/" + r.partition() + "@" + r.offset() + ": " + e.getMessage());
            return;
        }
        if (value == null) {
            return;
        }
        if (json) {
            ObjectNode node = Json.mapper().createObjectNode();
            node.put("topic", r.topic());
            node.put("partition", r.partition());
            node.put("offset", r.offset());
            node.put("timestamp", Instant.ofEpochMilli(r.timestamp()).toString());
            node.put("key", r.key() == null ? null : TailCommands.utf8(r.key()));
            node.set("value", json(r, value));
            out.println(node.toString());
        } else {
            out.println(row(r, value));
        }
    }
}
