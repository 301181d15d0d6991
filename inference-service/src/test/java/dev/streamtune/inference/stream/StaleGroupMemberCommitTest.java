package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.junit.jupiter.api.Test;

/**
 * A static member whose member id the group coordinator replaced (it rejoined after a broker restart or a pause that
 * outlasted its session) while its transaction still carried the old generation: the transactional offset commit
 * fails with {@code FENCED_INSTANCE_ID}, which the Kafka client makes an abortable error of the transaction, not of
 * the producer. The sink aborts and the next transaction, with the consumer's new generation, commits. Before, the
 * sink took it for another instance owning the id and stopped the classify loop for good (a broker-outage run of the
 * fault suite found the service alive but classifying nothing).
 */
@WithEmbeddedKafka(createTopics = false)
class StaleGroupMemberCommitTest {

    private static final String GROUP = "stale-member";
    private static final String INSTANCE = "stale-0";

    @Test
    void shouldAbortAndGoOnWhenTheOffsetsCarryAReplacedMemberId(EmbeddedKafkaBroker kafka) throws Exception {
        Map<String, Object> client = kafka.clientProperties();
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "stale", 1, Map.of());
        KafkaTestSupport.send(client, List.of(new ProducerRecord<>(topics.texts(), bytes("k"), bytes("a text"))));
        TopicPartition input = new TopicPartition(topics.texts(), 0);
        KafkaClientFactory clients = KafkaClientFactory.standard();
        InferenceMetrics metrics = InferenceMetrics.inMemory();

        ConsumerGroupMetadata before;
        try (Consumer<byte[], byte[]> first = clients.consumer(consumerConfig(client))) {
            before = joined(first, topics.texts());
        }
        try (Consumer<byte[], byte[]> rejoined = clients.consumer(consumerConfig(client));
                TransactionalSink sink = new TransactionalSink(
                        clients,
                        client,
                        "streamtune-inference-" + INSTANCE,
                        Duration.ofSeconds(30),
                        () -> true,
                        metrics)) {
            ConsumerGroupMetadata now = joined(rejoined, topics.texts());
            assertThat(now.memberId())
                    .as("the coordinator gave the instance a new member id")
                    .isNotEqualTo(before.memberId());
            sink.open();

            assertThatThrownBy(() -> sink.commit(
                            List.of(prediction(topics, "stale")), Map.of(input, new OffsetAndMetadata(1)), before))
                    .isInstanceOf(TransactionAbortedException.class)
                    .hasCauseInstanceOf(FencedInstanceIdException.class);

            sink.commit(List.of(prediction(topics, "fresh")), Map.of(input, new OffsetAndMetadata(1)), now);
        }

        assertThat(KafkaTestSupport.keys(client, topics.predictions()))
                .as("only the transaction with the current generation is visible")
                .containsExactly("fresh");
        Map<TopicPartition, OffsetAndMetadata> committed = kafka.admin()
                .listConsumerGroupOffsets(GROUP)
                .partitionsToOffsetAndMetadata()
                .get();
        assertThat(committed.get(input).offset()).isEqualTo(1);
    }

    private static Map<String, Object> consumerConfig(Map<String, Object> client) {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, GROUP);
        config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, INSTANCE);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        return config;
    }

    /** Subscribes and polls until the group gave it the topic: its generation and member id are then current. */
    private static ConsumerGroupMetadata joined(Consumer<byte[], byte[]> consumer, String topic) {
        consumer.subscribe(List.of(topic));
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (consumer.assignment().isEmpty()) {
            assertThat(System.nanoTime()).as("joined within 60 s").isLessThan(deadline);
            consumer.poll(Duration.ofMillis(200));
        }
        return consumer.groupMetadata();
    }

    private static ProducerRecord<byte[], byte[]> prediction(ClassifyLoop.Topics topics, String key) {
        return new ProducerRecord<>(topics.predictions(), bytes(key), bytes("{\"label\":\"x\"}"));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
