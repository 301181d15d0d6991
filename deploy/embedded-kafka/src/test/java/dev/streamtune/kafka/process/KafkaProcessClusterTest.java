package dev.streamtune.kafka.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/** Three KRaft nodes as child JVMs, one of them killed under a running transactional producer. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(PrintLogsOnFailure.class)
class KafkaProcessClusterTest {

    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(90);

    KafkaProcessCluster cluster;

    @BeforeAll
    void startCluster() {
        long started = System.nanoTime();
        cluster = KafkaProcessCluster.builder().start();
        System.out.printf(
                "3-node cluster ready in %d ms (nodes %s ms)%n",
                (System.nanoTime() - started) / 1_000_000,
                cluster.nodes().stream().map(n -> n.startupTime().toMillis()).toList());
    }

    @AfterAll
    void closeCluster() {
        if (cluster != null) {
            cluster.close();
        }
    }

    @Test
    void shouldCommitThroughANewCoordinatorWhenTheTransactionCoordinatorIsKilled() throws Exception {
        String topic = "payments";
        cluster.admin()
                .createTopics(List.of(new NewTopic(topic, 3, (short) 3)))
                .all()
                .get();
        String transactionalId = "payments-" + UUID.randomUUID();
        int coordinator;
        var writer = new TransactionalWriter(cluster.clientProperties(), transactionalId, topic, 20);
        try {
            await().atMost(FAILOVER_TIMEOUT).until(() -> writer.commits() >= 5);
            coordinator = cluster.transactionCoordinator(transactionalId);
            int commitsBefore = writer.commits();
            long killed = System.nanoTime();
            cluster.kill(coordinator);

            await().atMost(FAILOVER_TIMEOUT).until(() -> writer.commits() >= commitsBefore + 5);
            System.out.printf(
                    "killed coordinator %d: 5 more commits %d ms later (%d commit/abort timeouts retried)%n",
                    coordinator, (System.nanoTime() - killed) / 1_000_000, writer.timeouts());
            assertThat(cluster.transactionCoordinator(transactionalId))
                    .isNotEqualTo(coordinator)
                    .isIn(cluster.nodeIds());
        } finally {
            writer.close();
        }

        String group = "verify-" + topic;
        List<ConsumerRecord<String, String>> records = TestClients.readCommitted(
                cluster.clientProperties(), topic, group, writer.committedKeys().size(), FAILOVER_TIMEOUT);

        assertThat(records)
                .extracting(ConsumerRecord::key)
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(writer.committedKeys())
                .noneMatch(writer.abortedKeys()::contains);
        assertThat(cluster.groupCoordinator(group)).isNotEqualTo(coordinator);

        long restarted = System.nanoTime();
        cluster.start(coordinator);
        cluster.awaitAllPartitionsHaveIsr(3, FAILOVER_TIMEOUT);
        System.out.printf(
                "node %d restarted and every partition back to 3 in-sync replicas in %d ms%n",
                coordinator, (System.nanoTime() - restarted) / 1_000_000);
    }
}
