package dev.streamtune.kafka.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Level;
import java.util.logging.Logger;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three KRaft nodes as child JVMs (replication 3, min ISR 2) under clients while nodes are killed, paused and
 * restarted. Run by failsafe: the transaction-coordinator kill in every build ({@code -DskipFaultSuite=true} leaves it
 * out), every scenario with {@code -Pfault-suite}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(PrintLogsOnFailure.class)
class KafkaProcessClusterIT {

    private static final Duration FAILOVER_TIMEOUT = Duration.ofSeconds(90);
    private static final String FULL = "streamtune.fault.full";

    // the clients' config dumps and reconnect chatter at INFO drown the scenario's lines; held against collection
    private static final Logger KAFKA_CLIENT_LOGS = Logger.getLogger("org.apache.kafka");

    @TempDir
    static Path dataDir;

    KafkaProcessCluster cluster;

    @BeforeAll
    void startCluster() {
        KAFKA_CLIENT_LOGS.setLevel(Level.WARNING);
        long started = System.nanoTime();
        cluster = KafkaProcessCluster.start(dataDir, 3);
        System.out.printf(
                "3-node cluster ready in %d ms (nodes %s ms)%n",
                millisSince(started),
                cluster.nodes().stream().map(n -> n.startupTime().toMillis()).toList());
    }

    /** Every node back up and caught up, for the next scenario. */
    @AfterEach
    void healCluster() {
        for (KafkaProcess node : cluster.nodes()) {
            if (node.isPaused()) {
                node.resume();
            }
            if (!node.isAlive()) {
                cluster.start(node.nodeId());
            }
        }
        cluster.awaitAllPartitionsHaveIsr(3, FAILOVER_TIMEOUT);
    }

    @AfterAll
    void closeCluster() {
        if (cluster != null) {
            List<Long> pids = cluster.nodes().stream().map(KafkaProcess::pid).toList();
            cluster.close();
            assertThat(pids).as("no node JVM left after close").noneMatch(OrphanedNodeTest::isRunning);
        }
    }

    @Test
    void shouldCommitThroughANewCoordinatorWhenTheTransactionCoordinatorIsKilled() throws Exception {
        String topic = createTopic("payments");
        String transactionalId = "payments-" + UUID.randomUUID();
        int coordinator;
        var writer = new TransactionalWriter(cluster.clientProperties(), transactionalId, topic, 20);
        try {
            await().atMost(FAILOVER_TIMEOUT).until(() -> writer.commits() >= 5);
            coordinator = cluster.transactionCoordinator(transactionalId);
            int commitsBefore = writer.commits();
            long killed = System.nanoTime();
            cluster.kill(coordinator);
            assertThat(cluster.node(coordinator).isAlive()).isFalse();

            await().atMost(FAILOVER_TIMEOUT).until(() -> writer.commits() > commitsBefore);
            long firstCommit = millisSince(killed);
            await().atMost(FAILOVER_TIMEOUT).until(() -> writer.commits() >= commitsBefore + 5);
            int newCoordinator = cluster.transactionCoordinator(transactionalId);
            System.out.printf(
                    "killed transaction coordinator %d: first commit after it %d ms later, 5 commits %d ms later,"
                            + " new coordinator %d (%d commit/abort timeouts retried)%n",
                    coordinator, firstCommit, millisSince(killed), newCoordinator, writer.timeouts());
            assertThat(newCoordinator).isNotEqualTo(coordinator).isIn(cluster.nodeIds());
        } finally {
            writer.close();
        }

        assertReadBackExactly(topic, writer);

        long restarted = System.nanoTime();
        cluster.start(coordinator);
        cluster.awaitIsr(topic, 3, FAILOVER_TIMEOUT);
        cluster.awaitAllPartitionsHaveIsr(3, FAILOVER_TIMEOUT);
        System.out.printf(
                "node %d restarted and every partition back to 3 in-sync replicas in %d ms%n",
                coordinator, millisSince(restarted));
    }

    @Test
    @EnabledIfSystemProperty(named = FULL, matches = "true")
    void shouldCommitThroughANewCoordinatorWhileTheTransactionCoordinatorIsFrozen() throws Exception {
        String topic = createTopic("frozen");
        String transactionalId = "frozen-" + UUID.randomUUID();
        int coordinator;
        // a frozen node keeps its connections open: a client gives up on it only when a request times out (30 s by
        // default), then finds the new coordinator
        Map<String, Object> client = cluster.clientProperties();
        client.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "5000");
        var writer = new TransactionalWriter(client, transactionalId, topic, 20);
        try {
            await().atMost(FAILOVER_TIMEOUT).until(() -> writer.commits() >= 5);
            coordinator = cluster.transactionCoordinator(transactionalId);
            int commitsBefore = writer.commits();
            long paused = System.nanoTime();
            cluster.pause(coordinator);

            await().atMost(FAILOVER_TIMEOUT).until(() -> writer.commits() >= commitsBefore + 5);
            System.out.printf(
                    "froze transaction coordinator %d: 5 commits %d ms later (%d timeouts retried)%n",
                    coordinator, millisSince(paused), writer.timeouts());
            assertThat(cluster.transactionCoordinator(transactionalId)).isNotEqualTo(coordinator);
            assertThat(cluster.node(coordinator).isAlive()).isTrue();

            long resumed = System.nanoTime();
            cluster.resume(coordinator);
            cluster.awaitAllPartitionsHaveIsr(3, FAILOVER_TIMEOUT);
            System.out.printf(
                    "node %d resumed, every partition back to 3 in-sync replicas in %d ms%n",
                    coordinator, millisSince(resumed));
        } finally {
            writer.close();
        }

        assertReadBackExactly(topic, writer);
    }

    @Test
    @EnabledIfSystemProperty(named = FULL, matches = "true")
    void shouldKeepCommittedOffsetsWhenTheGroupCoordinatorIsKilled() throws Exception {
        String topic = createTopic("offsets");
        String group = "offsets-" + UUID.randomUUID();
        int total = 300;
        var producerConfig = new HashMap<>(cluster.clientProperties());
        producerConfig.put(ProducerConfig.ACKS_CONFIG, "all");
        try (var producer = new KafkaProducer<>(producerConfig, new StringSerializer(), new StringSerializer())) {
            for (int i = 0; i < total; i++) {
                producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
            }
            producer.flush();
        }

        var firstRead = new ArrayList<String>();
        var first = consumer(group);
        int coordinator;
        try {
            first.subscribe(List.of(topic));
            long deadline = System.nanoTime() + FAILOVER_TIMEOUT.toNanos();
            while (firstRead.size() < total / 2 && System.nanoTime() < deadline) {
                first.poll(Duration.ofMillis(200)).forEach(r -> firstRead.add(r.key()));
            }
            first.commitSync();
            coordinator = cluster.groupCoordinator(group);
            long killed = System.nanoTime();
            cluster.kill(coordinator);
            int newCoordinator = cluster.groupCoordinator(group);
            System.out.printf(
                    "killed group coordinator %d: group found on node %d %d ms later%n",
                    coordinator, newCoordinator, millisSince(killed));
            assertThat(newCoordinator).isNotEqualTo(coordinator);
        } finally {
            // leaves the group through the new coordinator, so that the next member need not wait out its session
            first.close(FAILOVER_TIMEOUT);
        }

        var secondRead = new ArrayList<String>();
        try (var consumer = consumer(group)) {
            consumer.subscribe(List.of(topic));
            long deadline = System.nanoTime() + FAILOVER_TIMEOUT.toNanos();
            while (firstRead.size() + secondRead.size() < total && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> secondRead.add(r.key()));
            }
        }

        assertThat(secondRead)
                .as("the offsets committed before the kill hold: nothing is read twice")
                .doesNotContainAnyElementsOf(firstRead)
                .doesNotHaveDuplicates();
        assertThat(firstRead.size() + secondRead.size()).isEqualTo(total);
    }

    @Test
    @EnabledIfSystemProperty(named = FULL, matches = "true")
    void shouldKeepCommittingThroughARollingRestart() throws Exception {
        String topic = createTopic("rolling");
        var writer = new TransactionalWriter(cluster.clientProperties(), "rolling-" + UUID.randomUUID(), topic, 20);
        try {
            for (int node : cluster.nodeIds()) {
                int commitsBefore = writer.commits();
                long began = System.nanoTime();
                cluster.stop(node);
                cluster.start(node);
                cluster.awaitAllPartitionsHaveIsr(3, FAILOVER_TIMEOUT);
                await().atMost(FAILOVER_TIMEOUT).until(() -> writer.commits() > commitsBefore + 2);
                System.out.printf(
                        "rolling restart of node %d: caught up and committing in %d ms%n", node, millisSince(began));
            }
        } finally {
            writer.close();
        }

        assertReadBackExactly(topic, writer);
    }

    private void assertReadBackExactly(String topic, TransactionalWriter writer) {
        List<ConsumerRecord<String, String>> records = TestClients.readCommitted(
                cluster.clientProperties(),
                topic,
                "verify-" + topic,
                writer.committedKeys().size(),
                FAILOVER_TIMEOUT);

        assertThat(records)
                .extracting(ConsumerRecord::key)
                .doesNotHaveDuplicates()
                .containsExactlyInAnyOrderElementsOf(writer.committedKeys())
                .noneMatch(writer.abortedKeys()::contains);
    }

    private String createTopic(String name) throws Exception {
        cluster.admin()
                .createTopics(List.of(new NewTopic(name, 3, (short) 3)))
                .all()
                .get();
        cluster.awaitIsr(name, 3, FAILOVER_TIMEOUT);
        return name;
    }

    private KafkaConsumer<String, String> consumer(String group) {
        Map<String, Object> config = new HashMap<>(cluster.clientProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, group);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, "10");
        config.put(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG, "6000");
        config.put(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG, "1000");
        return new KafkaConsumer<>(config, new StringDeserializer(), new StringDeserializer());
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }
}
