package dev.streamtune.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

@WithEmbeddedKafka
class EmbeddedKafkaBrokerTest {

    @Test
    void shouldProduceAndConsumeThroughTheInProcessBroker(EmbeddedKafkaBroker kafka) throws Exception {
        String topic = StreamtuneTopics.TEXTS_NAME;
        try (var producer = producer(kafka.clientProperties())) {
            for (int i = 0; i < 3; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "text " + i)).get();
            }
        }

        List<ConsumerRecord<String, String>> records = consume(kafka.clientProperties(), topic, 3, "read_uncommitted");

        assertThat(records).extracting(ConsumerRecord::key).containsExactly("k0", "k1", "k2");
        assertThat(records).extracting(ConsumerRecord::value).containsExactly("text 0", "text 1", "text 2");
    }

    @Test
    void shouldCreateEveryStreamtuneTopicWithItsCleanupPolicy(EmbeddedKafkaBroker kafka) throws Exception {
        var names = StreamtuneTopics.all().stream().map(t -> t.name()).toList();
        var resources = names.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n))
                .toList();

        Map<ConfigResource, Config> configs =
                kafka.admin().describeConfigs(resources).all().get();
        Map<String, String> policies = configs.entrySet().stream()
                .collect(Collectors.toMap(
                        e -> e.getKey().name(),
                        e -> e.getValue().get("cleanup.policy").value()));

        assertThat(kafka.admin().listTopics().names().get()).containsAll(names);
        assertThat(policies)
                .containsEntry(StreamtuneTopics.EXAMPLES_NAME, "compact")
                .containsEntry(StreamtuneTopics.MODELS_NAME, "compact")
                .containsEntry(StreamtuneTopics.TEXTS_NAME, "delete")
                .containsEntry(StreamtuneTopics.DLQ_NAME, "delete");
        assertThat(configs.get(new ConfigResource(ConfigResource.Type.TOPIC, StreamtuneTopics.EXAMPLES_NAME))
                        .get("delete.retention.ms")
                        .value())
                .isEqualTo(StreamtuneTopics.EXAMPLES.configs().get("delete.retention.ms"));
    }

    @Test
    void shouldLeaveExistingTopicsAloneWhenCreatingTopicsAgain(EmbeddedKafkaBroker kafka) throws Exception {
        var again = kafka.createTopics();

        assertThat(again).hasSameSizeAs(StreamtuneTopics.all());
        assertThat(kafka.admin()
                        .describeTopics(List.of(StreamtuneTopics.DLQ_NAME))
                        .allTopicNames()
                        .get())
                .allSatisfy((name, description) ->
                        assertThat(description.partitions()).hasSize(1));
    }

    @Test
    void shouldCreateRenamedTopics(EmbeddedKafkaBroker kafka) throws Exception {
        kafka.createTopics(Map.of(StreamtuneTopics.EXAMPLES_NAME, "renamed.examples"));

        var config = kafka.admin()
                .describeConfigs(List.of(new ConfigResource(ConfigResource.Type.TOPIC, "renamed.examples")))
                .all()
                .get();
        assertThat(config.values().iterator().next().get("cleanup.policy").value())
                .isEqualTo("compact");
    }

    @Test
    void shouldHideAbortedTransactionsFromReadCommittedConsumers(EmbeddedKafkaBroker kafka) throws Exception {
        String topic = StreamtuneTopics.PREDICTIONS_NAME;
        var props = kafka.clientProperties();
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-" + UUID.randomUUID());
        try (var producer = producer(props)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "a", "aborted"));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "b", "committed"));
            producer.commitTransaction();
        }

        var records = consume(kafka.clientProperties(), topic, 1, "read_committed");

        assertThat(records).extracting(ConsumerRecord::value).containsExactly("committed");
    }

    static KafkaProducer<String, String> producer(Map<String, Object> props) {
        var config = new HashMap<>(props);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        return new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
    }

    /** Reads from the beginning until {@code count} records arrived, then a little longer to catch extras. */
    static List<ConsumerRecord<String, String>> consume(
            Map<String, Object> props, String topic, int count, String isolation) {
        var config = new HashMap<>(props);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, isolation);
        var records = new ArrayList<ConsumerRecord<String, String>>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer())) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            long settle = Long.MAX_VALUE;
            while (System.nanoTime() < Math.min(deadline, settle)) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
                if (records.size() >= count && settle == Long.MAX_VALUE) {
                    settle = System.nanoTime() + Duration.ofMillis(500).toNanos();
                }
            }
        }
        return records;
    }
}
