package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.kafka.TransactionOwnership;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.support.HookedClients;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A transaction that ends under the producer, on a real coordinator: aborted because it timed out (the producer is
 * replaced and the stream goes on), or by a second producer with the same transactional id (this one stops and does
 * not fence the other back). Both can surface as the same exception; {@link TransactionOwnership} reads the
 * coordinator's record to tell them apart.
 */
class TransactionTakeOverTest {

    private static EmbeddedKafkaBroker kafka;
    private static Admin admin;

    @BeforeAll
    static void startBroker() {
        kafka = EmbeddedKafkaBroker.builder()
                .optCreateTopics(false)
                // times transactions out within a second instead of every 10 s
                .optBrokerProperty("transaction.abort.timed.out.transaction.cleanup.interval.ms", "500")
                .start();
        admin = kafka.admin();
    }

    @AfterAll
    static void stopBroker() {
        kafka.close();
    }

    @Test
    void shouldReplaceTheProducerAndGoOnWhenTheCoordinatorTimedTheTransactionOut() throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(admin, "timed-out", 1, Map.of());
        String id = "streamtune-inference-timed-out";
        AtomicReference<TransactionOwnership.Verdict> seen = new AtomicReference<>();
        HookedClients clients = new HookedClients().before("commitTransaction", (call, inRebalance) -> {
            if (call == 1) {
                awaitState(id, TransactionState.COMPLETE_ABORT); // the coordinator timed it out
                seen.set(check(id));
            }
        });
        try (TransactionalSink sink = sink(clients, id, Duration.ofSeconds(1))) {
            sink.open();
            assertThatThrownBy(() -> commit(sink, topics, "timed-out"))
                    .as("the transaction is gone, the sink is not")
                    .isInstanceOf(TransactionAbortedException.class);
            commit(sink, topics, "next");
        }
        assertThat(seen.get()).isEqualTo(TransactionOwnership.Verdict.ABORTED_ONLY);
        assertThat(KafkaTestSupport.keys(kafka.clientProperties(), topics.predictions()))
                .containsExactly("next");
    }

    @Test
    void shouldStopWhenASecondProducerTookTheTransactionalIdRatherThanFenceItBack() throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(admin, "taken", 1, Map.of());
        String id = "streamtune-inference-taken";
        AtomicReference<Producer<byte[], byte[]>> other = new AtomicReference<>();
        AtomicReference<Throwable> otherFailed = new AtomicReference<>();
        Thread secondReplica = new Thread(() -> {
            Map<String, Object> config = new HashMap<>(kafka.clientProperties());
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, id);
            // its initTransactions fences this one's open transaction (an epoch bump and an abort), is told to retry,
            // and bumps again to own the id a second later: the window in which this one's commit meets the abort
            config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 1_000);
            config.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 1_000);
            try {
                other.set(KafkaClientFactory.standard().producer(config));
                other.get().initTransactions();
            } catch (RuntimeException e) {
                otherFailed.set(e);
            }
        });
        HookedClients clients = new HookedClients().before("commitTransaction", (call, inRebalance) -> {
            if (call == 1) { // a second replica with the same name starts while this one's transaction is open
                secondReplica.start();
                awaitState(id, TransactionState.COMPLETE_ABORT); // fenced and aborted; not yet re-owned
            }
        });
        try (TransactionalSink sink = sink(clients, id, Duration.ofSeconds(30))) {
            sink.open();
            assertThatThrownBy(() -> commit(sink, topics, "fenced"))
                    .as("this one stops (before, it replaced its producer and fenced the second replica)")
                    .isInstanceOf(SinkFatalException.class)
                    .hasMessageContaining("streamtune.instance");
        }
        secondReplica.join(30_000);
        assertThat(otherFailed.get()).isNull();
        // the second replica was not fenced back: it commits
        Producer<byte[], byte[]> survivor = other.get();
        survivor.beginTransaction();
        survivor.send(new ProducerRecord<>(topics.predictions(), bytes("survivor"), bytes("{}")));
        survivor.commitTransaction();
        survivor.close();
        assertThat(KafkaTestSupport.keys(kafka.clientProperties(), topics.predictions()))
                .containsExactly("survivor");
        assertThat(check(id))
                .as("the coordinator's record after the take-over")
                .isEqualTo(TransactionOwnership.Verdict.TAKEN_OVER);
    }

    private static TransactionalSink sink(HookedClients clients, String id, Duration timeout) {
        return new TransactionalSink(
                clients, kafka.clientProperties(), id, timeout, () -> true, InferenceMetrics.inMemory());
    }

    private static void commit(TransactionalSink sink, ClassifyLoop.Topics topics, String key)
            throws TransactionAbortedException {
        sink.commit(
                List.of(new ProducerRecord<>(topics.predictions(), bytes(key), bytes("{\"label\":\"x\"}"))),
                Map.of(new TopicPartition(topics.texts(), 0), new OffsetAndMetadata(1)),
                new ConsumerGroupMetadata("group-" + topics.texts()));
    }

    private static TransactionOwnership.Verdict check(String id) {
        try {
            return new TransactionOwnership(admin, Duration.ofMillis(1_500)).check(id);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static void awaitState(String id, TransactionState state) {
        await().atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> admin.describeTransactions(List.of(id))
                                .description(id)
                                .get()
                                .state()
                        == state);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
