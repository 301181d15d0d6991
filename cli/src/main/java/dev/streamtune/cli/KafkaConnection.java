package dev.streamtune.cli;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The Kafka clients of one command, all with the same settings. Before a command produces or consumes, {@link
 * #requireTopic} tells an unreachable broker, bad credentials and a missing topic apart, so that each gets its own
 * message and exit code instead of a client blocking until its timeout.
 */
public final class KafkaConnection implements AutoCloseable {

    private final Properties settings;
    private final Duration timeout;
    private final String bootstrap;
    private Admin admin;

    public KafkaConnection(KafkaOptions options) {
        options.checkTopicNames();
        this.settings = options.clientProperties();
        this.timeout = options.timeout();
        this.bootstrap = settings.getProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    }

    /** The topic's partitions; fails with a {@link CliException} naming the problem. */
    public List<TopicPartition> requireTopic(String topic) {
        try {
            TopicDescription description = admin().describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic);
            return description.partitions().stream()
                    .map(p -> new TopicPartition(topic, p.partition()))
                    .toList();
        } catch (ExecutionException e) {
            throw translate(e.getCause(), topic);
        } catch (java.util.concurrent.TimeoutException e) {
            throw translate(new TimeoutException("describeTopics"), topic);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException(ExitCodes.FAILED, "interrupted");
        } catch (KafkaException e) {
            throw translate(e, topic);
        }
    }

    public KafkaProducer<byte[], byte[]> producer() {
        var props = copy();
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        props.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        props.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "streamtune-cli");
        try {
            return new KafkaProducer<>(props, new ByteArraySerializer(), new ByteArraySerializer());
        } catch (KafkaException e) {
            throw translate(e, null);
        }
    }

    /** A consumer without a group: it assigns partitions itself and commits nothing; reads committed records only. */
    public KafkaConsumer<byte[], byte[]> consumer() {
        var props = copy();
        props.remove(ConsumerConfig.GROUP_ID_CONFIG);
        props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        props.put(ConsumerConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
        props.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, "streamtune-cli");
        try {
            return new KafkaConsumer<>(props, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        } catch (KafkaException e) {
            throw translate(e, null);
        }
    }

    /** A Kafka failure as the command's message and exit code. */
    public CliException translate(Throwable failure, String topic) {
        Throwable e =
                failure instanceof ExecutionException && failure.getCause() != null ? failure.getCause() : failure;
        if (e instanceof CliException cli) {
            return cli;
        }
        if (e instanceof AuthenticationException) {
            return new CliException(
                    ExitCodes.DENIED,
                    "the broker at " + bootstrap + " refused the credentials: " + e.getMessage()
                            + " (check --sasl-username/--sasl-password, --truststore or the client config)",
                    e);
        }
        if (e instanceof AuthorizationException) {
            return new CliException(
                    ExitCodes.DENIED,
                    "not authorized" + (topic == null ? "" : " on topic " + topic) + ": " + e.getMessage()
                            + " (the Kafka user's ACLs)",
                    e);
        }
        if (e instanceof UnknownTopicOrPartitionException) {
            return new CliException(
                    ExitCodes.MISSING_TOPIC,
                    "topic " + topic + " does not exist on " + bootstrap
                            + " (create the Streamtune topics, or name yours with --topic)",
                    e);
        }
        if (e instanceof TimeoutException) {
            return new CliException(
                    ExitCodes.UNREACHABLE,
                    "no Kafka broker answered at " + bootstrap + " within " + timeout.toSeconds() + " s"
                            + " (check --bootstrap-servers, the network, and the security protocol)",
                    e);
        }
        if (e instanceof ConfigException && String.valueOf(e.getMessage()).contains("bootstrap")) {
            return new CliException(ExitCodes.UNREACHABLE, "cannot reach " + bootstrap + ": " + e.getMessage(), e);
        }
        if (e instanceof KafkaException && e.getCause() instanceof ConfigException) {
            return translate(e.getCause(), topic);
        }
        return new CliException(ExitCodes.FAILED, "Kafka: " + e, e);
    }

    private Admin admin() {
        if (admin == null) {
            var props = copy();
            props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, Long.toString(timeout.toMillis()));
            props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Long.toString(Math.min(timeout.toMillis(), 30_000)));
            props.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "streamtune-cli");
            try {
                admin = Admin.create(props);
            } catch (KafkaException e) {
                throw translate(e, null);
            }
        }
        return admin;
    }

    private Map<String, Object> copy() {
        var map = new java.util.HashMap<String, Object>();
        settings.forEach((k, v) -> map.put((String) k, v));
        return map;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(2));
        }
    }
}
