package dev.streamtune.inference.support;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import dev.streamtune.inference.stream.ClassifyLoop;
import dev.streamtune.kafka.TopicCreation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/** Topic creation, producing and reading back for tests against the embedded broker. */
public final class KafkaTestSupport {

    private KafkaTestSupport() {}

    /**
     * Creates the catalogue's topics that do not exist yet (with their settings); texts, predictions and review get
     * {@code streamPartitions} partitions.
     */
    public static void createTopics(Admin admin, int streamPartitions) {
        List<NewTopic> topics = new ArrayList<>();
        java.util.Set<String> existing;
        try {
            existing = admin.listTopics().names().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot list topics: " + e.getMessage(), e);
        }
        for (Topic<?, ?> t : StreamtuneTopics.all()) {
            if (existing.contains(t.name())) {
                continue;
            }
            boolean stream = t.name().equals(StreamtuneTopics.TEXTS_NAME)
                    || t.name().equals(StreamtuneTopics.PREDICTIONS_NAME)
                    || t.name().equals(StreamtuneTopics.REVIEW_NAME);
            topics.add(new NewTopic(t.name(), Optional.of(stream ? streamPartitions : 1), Optional.empty())
                    .configs(t.creationConfigs()));
        }
        try {
            admin.createTopics(topics).all().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot create topics: " + e.getMessage(), e);
        }
        TopicCreation.awaitLeaders(
                admin, topics.stream().map(NewTopic::name).toList(), java.time.Duration.ofSeconds(60));
    }

    public static KafkaProducer<byte[], byte[]> producer(Map<String, Object> client) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        // one batch in flight: a refused batch is retried before the next is sent, never behind it (a loaded machine
        // saw an idempotent producer's first batches refused as out of order until the 120 s delivery timeout), and a
        // batch that cannot be written fails in 30 s, not 120, so that send() below writes it again sooner
        config.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        return new KafkaProducer<>(config, new ByteArraySerializer(), new ByteArraySerializer());
    }

    /**
     * Sends every record, or throws: a record the broker refused (on a loaded machine an idempotent producer's first
     * batches to a new topic have been refused as out of order until they expired) is sent again with a new producer,
     * up to 3 rounds, so that a test never waits for an input that was never written.
     */
    /** {@code n} texts keyed {@code t0 .. t<n-1>}, of a few different lengths. */
    public static List<ProducerRecord<byte[], byte[]>> numberedTexts(String topic, int n) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            records.add(new ProducerRecord<>(
                    topic,
                    ("t" + i).getBytes(StandardCharsets.UTF_8),
                    ("text number " + i + " " + "words ".repeat(i % 7)).getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }

    public static void send(Map<String, Object> client, List<ProducerRecord<byte[], byte[]>> records) {
        List<ProducerRecord<byte[], byte[]>> pending = records;
        for (int round = 1; !pending.isEmpty(); round++) {
            List<ProducerRecord<byte[], byte[]>> failed = java.util.Collections.synchronizedList(new ArrayList<>());
            Exception last = null;
            try (KafkaProducer<byte[], byte[]> producer = producer(client)) {
                for (ProducerRecord<byte[], byte[]> r : pending) {
                    producer.send(r, (metadata, e) -> {
                        if (e != null) {
                            failed.add(r);
                        }
                    });
                }
                producer.flush();
            } catch (RuntimeException e) {
                last = e;
            }
            if (!failed.isEmpty() && round == 3) {
                throw new IllegalStateException(failed.size() + " records not sent after 3 rounds", last);
            }
            pending = List.copyOf(failed);
        }
    }

    /** Everything currently in {@code topic}, from the start, as a consumer with the given isolation level sees it. */
    public static List<ConsumerRecord<byte[], byte[]>> readAll(
            Map<String, Object> client, String topic, boolean committedOnly) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "reader-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, committedOnly ? "read_committed" : "read_uncommitted");
        List<ConsumerRecord<byte[], byte[]>> all = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer =
                new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.currentTimeMillis() + 20_000;
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.currentTimeMillis() > deadline) {
                    throw new IllegalStateException("could not read " + topic + " to its end " + end);
                }
                consumer.poll(Duration.ofMillis(100)).forEach(all::add);
            }
        }
        return all;
    }

    /**
     * Fresh texts, predictions, review and DLQ topics named after {@code name}, each with {@code partitions}
     * partitions and the given per-topic settings (keyed by the role: texts, predictions, review, dlq), so that a test
     * sees only its own records.
     */
    public static ClassifyLoop.Topics freshTopics(
            Admin admin, String name, int partitions, Map<String, Map<String, String>> configs) {
        ClassifyLoop.Topics topics =
                new ClassifyLoop.Topics(name + ".texts", name + ".predictions", name + ".review", name + ".dlq");
        Map<String, String> roles = Map.of(
                "texts", topics.texts(),
                "predictions", topics.predictions(),
                "review", topics.review(),
                "dlq", topics.dlq());
        List<NewTopic> created = new ArrayList<>();
        roles.forEach((role, topic) -> created.add( // the broker's default replication: 1 on one broker, 3 on a cluster
                new NewTopic(topic, java.util.Optional.of(partitions), java.util.Optional.empty())
                        .configs(configs.getOrDefault(role, Map.of()))));
        try {
            admin.createTopics(created).all().get();
        } catch (InterruptedException | ExecutionException e) {
            throw new IllegalStateException("cannot create topics: " + e.getMessage(), e);
        }
        TopicCreation.awaitLeaders(admin, List.copyOf(roles.values()), java.time.Duration.ofSeconds(60));
        return topics;
    }

    /** Keys of the committed records in {@code topic}, in read order (null keys left out). */
    public static List<String> keys(Map<String, Object> client, String topic) {
        return readAll(client, topic, true).stream()
                .filter(r -> r.key() != null)
                .map(r -> new String(r.key(), java.nio.charset.StandardCharsets.UTF_8))
                .toList();
    }
}
