package dev.streamtune.trainer.trigger;

import dev.streamtune.common.json.JsonSerde;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * The trainer's memory on a compacted topic (key = model name): read to the end at start-up, written synchronously on
 * every change, so a pending trigger or an interrupted run survives a restart or rescheduling.
 */
public final class TrainerStateStore implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TrainerStateStore.class);
    private static final JsonSerde<TrainerState> SERDE = JsonSerde.of(TrainerState.class);
    private static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration SEND_BLOCK = Duration.ofSeconds(10);

    private final String topic;
    private final Map<String, Object> clientConfig;
    private final Duration timeout;
    private final KafkaProducer<String, TrainerState> producer;

    public TrainerStateStore(String topic, Map<String, Object> clientConfig) {
        this(topic, clientConfig, DEFAULT_TIMEOUT);
    }

    /** {@code timeout} bounds each call to the broker (describe, create, read to the end, save). */
    public TrainerStateStore(String topic, Map<String, Object> clientConfig, Duration timeout) {
        this.topic = topic;
        this.timeout = timeout;
        this.clientConfig = Map.copyOf(clientConfig);
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "streamtune-trainer-state");
        // a save is waited for under the scheduler's lock: bounded, so the status endpoint is not held for minutes
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) SEND_BLOCK.toMillis());
        this.producer = new KafkaProducer<>(config, new StringSerializer(), SERDE);
    }

    /**
     * Makes sure the compacted state topic exists (one partition: one record per model). An existing topic is used as it
     * is, so a Kafka user without Create permission can run the trainer once the operator has created the topic (Kafka
     * checks authorization before existence: creating an existing topic without Create fails). A missing topic is
     * created where the user may.
     */
    public void ensureTopic() throws InterruptedException {
        Admin admin = Admin.create(clientConfig);
        try {
            if (!exists(admin)) {
                create(admin);
            }
        } finally {
            // not the unbounded close(): it would wait out the admin's own timeout on calls that already failed here
            admin.close(Duration.ofSeconds(1));
        }
    }

    private boolean exists(Admin admin) throws InterruptedException {
        try {
            admin.describeTopics(List.of(topic)).allTopicNames().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return false;
            }
            if (e.getCause() instanceof TopicAuthorizationException) {
                throw new IllegalStateException(
                        "the trainer's Kafka user may not describe its state topic " + topic
                                + ": grant it Describe, Read and Write on that topic",
                        e.getCause());
            }
            throw new IllegalStateException("cannot describe trainer state topic " + topic + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out describing trainer state topic " + topic, e);
        }
    }

    private void create(Admin admin) throws InterruptedException {
        NewTopic newTopic = new NewTopic(topic, Optional.of(1), Optional.empty())
                .configs(Map.of("cleanup.policy", "compact", "min.cleanable.dirty.ratio", "0.1"));
        try {
            admin.createTopics(List.of(newTopic)).all().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            LOG.infof("Created trainer state topic %s", topic);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof TopicExistsException) {
                return; // created meanwhile
            }
            if (e.getCause() instanceof TopicAuthorizationException) {
                throw new IllegalStateException(
                        "trainer state topic " + topic + " does not exist and the trainer's"
                                + " Kafka user may not create it: the operator must create it (compacted, 1 partition; on"
                                + " Kubernetes the KafkaTopic streamtune-trainer-state in deploy/kubernetes)",
                        e.getCause());
            }
            throw new IllegalStateException("cannot create trainer state topic " + topic + ": " + e.getCause(), e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating trainer state topic " + topic, e);
        }
    }

    /** The latest state of {@code model}, or its initial state. */
    public TrainerState load(String model) {
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.remove(ConsumerConfig.GROUP_ID_CONFIG);
        TrainerState state = TrainerState.initial(model);
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(
                config, new StringDeserializer(), new org.apache.kafka.common.serialization.ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, timeout).stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, timeout);
            long deadline = System.nanoTime() + timeout.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("timed out reading trainer state topic " + topic);
                }
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (!model.equals(record.key())) {
                        continue;
                    }
                    if (record.value() == null) {
                        state = TrainerState.initial(model);
                        continue;
                    }
                    try {
                        state = SERDE.deserialize(topic, record.value());
                    } catch (RuntimeException e) {
                        LOG.errorf(
                                "Unreadable trainer state at %s-%s@%s ignored: %s",
                                record.topic(), record.partition(), record.offset(), e.getMessage());
                    }
                }
            }
        }
        return state;
    }

    public void save(TrainerState state) {
        try {
            producer.send(new ProducerRecord<>(topic, state.model(), state))
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while saving trainer state", e);
        } catch (ExecutionException | TimeoutException e) {
            throw new UnavailableException("cannot save trainer state to " + topic + ": " + e, e);
        }
    }

    /**
     * A save the broker did not acknowledge in time (an outage) or refused. The caller keeps its state as it was; the
     * record may still be written later by the producer's own retries, so the caller writes its state again once the
     * broker answers ({@link TrainingScheduler} does on its next tick): the producer is idempotent, so that later save
     * lands after the stale one.
     */
    public static final class UnavailableException extends IllegalStateException {
        UnavailableException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
