package dev.streamtune.kafka.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * One standalone broker as a child JVM, killed and paused under a transactional producer: it comes back on its port
 * and data with every committed record, and while paused it answers nothing.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(PrintLogsOnFailure.class)
class KafkaProcessTest {

    private static final Duration MAX_BLOCK = Duration.ofSeconds(2);
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    KafkaProcess kafka;

    @BeforeAll
    void startBroker() {
        kafka = KafkaProcess.builder().optCreateTopics(false).start();
        System.out.printf("%s ready in %d ms%n", kafka, kafka.startupTime().toMillis());
    }

    @AfterAll
    void closeBroker() {
        if (kafka != null) {
            long pid = kafka.pid();
            kafka.close();
            assertThat(ProcessHandle.of(pid))
                    .as("no broker JVM left after close")
                    .isEmpty();
        }
    }

    @Test
    void shouldKeepCommittedTransactionsAndDropTheOpenOneWhenKilledAndRestarted() throws Exception {
        String topic = createTopic("killed");
        String transactionalId = "killed-" + UUID.randomUUID();
        var committed = new ArrayList<String>();
        try (var producer = TestClients.transactionalProducer(kafka.clientProperties(), transactionalId, MAX_BLOCK)) {
            producer.initTransactions();
            for (int t = 0; t < 5; t++) {
                producer.beginTransaction();
                for (int i = 0; i < 100; i++) {
                    String key = "t" + t + "-" + i;
                    producer.send(new ProducerRecord<>(topic, key, key));
                    committed.add(key);
                }
                producer.commitTransaction();
            }
            producer.beginTransaction();
            for (int i = 0; i < 50; i++) {
                producer.send(new ProducerRecord<>(topic, "open-" + i, "never committed"));
            }
            producer.flush();

            long pid = kafka.pid();
            String clusterId = kafka.clusterId().orElseThrow();
            String bootstrapServers = kafka.bootstrapServers();
            var dataDir = kafka.dataDir();
            long killing = System.nanoTime();
            kafka.kill();
            long killed = System.nanoTime();
            assertThat(kafka.isAlive()).isFalse();
            assertThat(ProcessHandle.of(pid)).isEmpty();
            kafka.start();
            kafka.awaitReady();
            System.out.printf(
                    "SIGKILL to exit %d ms, restart to ready %d ms%n",
                    (killed - killing) / 1_000_000, kafka.startupTime().toMillis());
            assertThat(kafka.pid()).isNotEqualTo(pid);
            assertThat(kafka.bootstrapServers()).isEqualTo(bootstrapServers);
            assertThat(kafka.dataDir()).isEqualTo(dataDir);
            assertThat(kafka.clusterId()).as("same data dir, not a new format").contains(clusterId);
        }

        // a new producer under the same id aborts the transaction the kill left open
        try (var producer = TestClients.transactionalProducer(kafka.clientProperties(), transactionalId, MAX_BLOCK)) {
            producer.initTransactions();
        }
        List<ConsumerRecord<String, String>> records = TestClients.readCommitted(
                kafka.clientProperties(), topic, "read-" + topic, committed.size(), READ_TIMEOUT);

        assertThat(records).extracting(ConsumerRecord::key).containsExactlyInAnyOrderElementsOf(committed);
    }

    @Test
    void shouldTimeOutACommitWhilePausedAndCompleteItOnceResumed() throws Exception {
        String topic = createTopic("paused");
        try (var admin = Admin.create(kafka.clientProperties());
                var producer = TestClients.transactionalProducer(
                        kafka.clientProperties(), "paused-" + UUID.randomUUID(), MAX_BLOCK)) {
            producer.initTransactions();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "k", "sent while paused"));

            kafka.pause();
            try {
                assertThat(kafka.isAlive()).isTrue();
                assertThat(kafka.isPaused()).isTrue();
                assertThat(answers(admin, Duration.ofSeconds(2)))
                        .as("a paused broker answers no request")
                        .isFalse();
                assertThatThrownBy(producer::commitTransaction).isInstanceOf(TimeoutException.class);
            } finally {
                kafka.resume();
            }
            assertThat(answers(admin, Duration.ofSeconds(30)))
                    .as("the resumed broker answers again")
                    .isTrue();
            // a timed-out commit is retried as the same commit, not aborted
            producer.commitTransaction();
        }

        var records = TestClients.readCommitted(kafka.clientProperties(), topic, "read-" + topic, 1, READ_TIMEOUT);

        assertThat(records).extracting(ConsumerRecord::value).containsExactly("sent while paused");
    }

    /** Whether the broker answers a metadata request within {@code timeout}. */
    private static boolean answers(Admin admin, Duration timeout) throws InterruptedException {
        try {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs((int) timeout.toMillis()))
                    .clusterId()
                    .get();
            return true;
        } catch (ExecutionException e) {
            assertThat(e.getCause()).isInstanceOf(TimeoutException.class);
            return false;
        }
    }

    private String createTopic(String name) throws Exception {
        try (var admin = Admin.create(kafka.clientProperties())) {
            admin.createTopics(List.of(new NewTopic(name, 3, (short) 1))).all().get();
        }
        return name;
    }
}
