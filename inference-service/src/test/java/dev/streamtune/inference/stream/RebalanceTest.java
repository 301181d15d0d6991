package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.inference.support.FaultyRunner;
import dev.streamtune.inference.support.HookedClients;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.LoadGenerator;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.CooperativeStickyAssignor;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Partitions moving between instances under load, with the incremental rebalance protocols users turn on
 * (CooperativeSticky, and the broker-driven {@code group.protocol=consumer} of KIP-848), and commits from revocation
 * callbacks failing: every input is predicted exactly once.
 */
@WithEmbeddedKafka(createTopics = false)
class RebalanceTest {

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"cooperative-sticky", "consumer"})
    void shouldPredictEveryInputExactlyOnceWhileInstancesComeAndGo(String protocol, EmbeddedKafkaBroker kafka)
            throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "rebalance-" + protocol, 4, Map.of());
        Map<String, Object> client = kafka.clientProperties();
        Map<String, Object> consumer = protocol.equals("consumer")
                ? Map.of(ConsumerConfig.GROUP_PROTOCOL_CONFIG, "consumer")
                : Map.of(
                        ConsumerConfig.PARTITION_ASSIGNMENT_STRATEGY_CONFIG, CooperativeStickyAssignor.class.getName());
        HookedClients failingInRebalance = failingCommitsInRebalance();
        try (ServiceHarness service = serving(client);
                LoadGenerator load = new LoadGenerator(client, topics.texts(), 300)) {
            ClassifyLoop.Settings base = service.loopSettings(topics, 0.0);
            load.start();
            ClassifyLoop first =
                    service.loop(failingInRebalance, named(base, "a"), consumer).start();
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() > 100);

            ClassifyLoop second =
                    service.loop(failingInRebalance, named(base, "b"), consumer).start();
            await().atMost(Duration.ofSeconds(60)).until(() -> second.ownedPartitions() > 0);
            int before = KafkaTestSupport.keys(client, topics.predictions()).size();
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() > before + 300);
            second.close(); // leaves the group: its partitions go back to the first

            load.close();
            await().atMost(Duration.ofSeconds(90))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() >= load.sent());
            Thread.sleep(1_000); // a duplicate would have had time to show up
            assertThat(first.failure()).isEmpty();
            first.close();
            InstanceConflictTest.assertExactlyOnce(client, topics, load.sent());
        }
    }

    /**
     * A revocation arrives in a poll while records of the partitions kept are buffered, and the commit of the batch in
     * flight fails: the rewind must drop the buffered records too, or they are produced twice (once from the buffer,
     * once read again from the committed offsets).
     */
    @Test
    void shouldNotProduceBufferedRecordsTwiceWhenACommitInARevocationFails(EmbeddedKafkaBroker kafka) throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "revocation-buffer", 3, Map.of());
        Map<String, Object> client = kafka.clientProperties();
        HookedClients revoking = failingCommitsInRebalance().revokeEveryNthPoll(25, 15);
        ServiceHarness.Options small = ServiceHarness.Options.small();
        try (ServiceHarness service = new ServiceHarness(
                        client, tmp, new ServiceHarness.Options(16, 64, small.maxWait(), 0.0, small.onnx()));
                LoadGenerator load = new LoadGenerator(client, topics.texts(), 200)) {
            // 30 ms a runtime call: records pile up in the loop's buffer while a batch is in flight
            FaultyRunner.Wrapped slow = FaultyRunner.wrap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            slow.runner().withDelay(Duration.ofMillis(30));
            service.holder.swap(slow.model());
            ClassifyLoop loop =
                    service.loop(revoking, service.loopSettings(topics, 0.0)).start();
            load.start();
            await().atMost(Duration.ofSeconds(60)).until(() -> revoking.calls("abortTransaction") >= 10);
            load.close();
            await().atMost(Duration.ofSeconds(90))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() >= load.sent());
            Thread.sleep(1_000);
            assertThat(loop.failure()).isEmpty();
            loop.close();
            InstanceConflictTest.assertExactlyOnce(client, topics, load.sent());
        }
    }

    private static HookedClients failingCommitsInRebalance() {
        return new HookedClients().before("commitTransaction", (call, inRebalance) -> {
            if (inRebalance) {
                throw new KafkaException("simulated: commit failed while partitions were revoked");
            }
        });
    }

    private ServiceHarness serving(Map<String, Object> client) throws Exception {
        ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small());
        service.holder.swap(service.loader.load(
                TestModels.publish(service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
        return service;
    }

    private static ClassifyLoop.Settings named(ClassifyLoop.Settings base, String name) {
        return new ClassifyLoop.Settings(
                base.topics(),
                base.groupId(),
                base.transactionalId() + "-" + name,
                Optional.empty(),
                base.maxRecords(),
                base.maxWait(),
                base.pollTimeout(),
                base.reviewThreshold(),
                base.transactionTimeout(),
                base.batchTimeout(),
                base.deadLetterMaxBytes(),
                base.leaveGroupOnClose());
    }
}
