package dev.streamtune.inference.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.inference.stream.ClassifyLoop;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.LoadGenerator;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.process.KafkaProcess;
import dev.streamtune.kafka.process.KafkaProcessCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The broker's half of the fault suite: brokers as child processes that are stopped, paused (SIGSTOP) and killed
 * under the packaged inference service while it streams thousands of keyed texts. Adds its rows to the suite's table.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BrokerFaultsIT {

    /** After the broker is back (or a coordinator is lost), outputs come again within this. */
    static final Duration RECOVERY_BOUND = Duration.ofSeconds(30);

    /** terminationGracePeriodSeconds of the inference pods (deploy/kubernetes/model/inference). */
    static final Duration TERMINATION_GRACE = Duration.ofSeconds(90);

    /** streamtune.shutdown-timeout in the stop scenario. */
    static final Duration SHUTDOWN_TIMEOUT = Duration.ofSeconds(25);

    private static Path work;

    @BeforeAll
    static void workDirectory() throws Exception {
        work = Files.createDirectories(Path.of("target", "fault-suite").toAbsolutePath());
    }

    @AfterAll
    static void printTable() {
        System.out.println("\nfault suite results\n" + ResultTable.render());
        ResultTable.write(work.resolve("results.md"));
    }

    @Test
    @Order(1)
    void brokerStoppedAndRestartedThenPausedLongerThanTheTransactionTimeout() throws Exception {
        String scenario = "broker stopped 10 s and restarted, then paused (SIGSTOP) 20 s, twice the 10 s transaction"
                + " timeout, and resumed (broker back → first output)";
        try (KafkaProcess broker = KafkaProcess.builder()
                        .optDataDir(work.resolve("broker-" + System.nanoTime()))
                        .optCreateTopics(true)
                        .start();
                Admin admin = Admin.create(broker.clientProperties())) {
            ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(admin, "outage", 3, Map.of());
            Stage stage = stage("outage", topics);
            Map<String, String> settings = settings(broker.bootstrapServers(), stage, "outage-0");
            settings.put("streamtune.stream.transaction-timeout", "10s");
            List<Instant> backs = new ArrayList<>();
            try (ServiceProcess service = new ServiceProcess("outage-0", settings, work.resolve("logs"));
                    LoadGenerator load = new LoadGenerator(
                            broker.clientProperties(),
                            topics.texts(),
                            FaultSuiteIT.INPUTS / 60.0,
                            FaultSuiteIT.INPUTS)) {
                announce(broker.clientProperties(), stage.v1());
                service.start().awaitReady(Duration.ofSeconds(120));
                load.start();
                Thread.sleep(8_000);

                broker.stop();
                Thread.sleep(10_000);
                broker.start();
                broker.awaitReady();
                backs.add(Instant.now());
                Thread.sleep(8_000);

                broker.pause();
                Thread.sleep(20_000);
                broker.resume();
                backs.add(Instant.now());

                load.awaitDone();
                ScenarioResult result = settle(scenario, broker.clientProperties(), topics, load, backs, service);
                assertThat(load.failed()).as("texts the broker never took").isEmpty();
                assertExactlyOnceAndRecovered(result, backs);
                assertThat(service.isAlive())
                        .as("the service outlived both outages")
                        .isTrue();
            }
        }
    }

    @Test
    @Order(2)
    void transactionCoordinatorKilledOnAThreeBrokerCluster() throws Exception {
        String scenario = "3-broker cluster: the service's transaction coordinator killed, back 10 s later (kill →"
                + " first output)";
        try (KafkaProcessCluster cluster = KafkaProcessCluster.builder()
                .optDataDir(work.resolve("cluster-" + System.nanoTime()))
                .optNodes(3)
                .start()) {
            cluster.createTopics(StreamtuneTopics.all());
            ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(cluster.admin(), "coordinator", 3, Map.of());
            Stage stage = stage("coordinator", topics);
            String instance = "coordinator-0";
            List<Instant> kills = new ArrayList<>();
            try (ServiceProcess service = new ServiceProcess(
                            instance, settings(cluster.bootstrapServers(), stage, instance), work.resolve("logs"));
                    LoadGenerator load = new LoadGenerator(
                            cluster.clientProperties(),
                            topics.texts(),
                            FaultSuiteIT.INPUTS / 45.0,
                            FaultSuiteIT.INPUTS)) {
                announce(cluster.clientProperties(), stage.v1());
                service.start().awaitReady(Duration.ofSeconds(120));
                load.start();
                Thread.sleep(8_000);

                int coordinator = cluster.transactionCoordinator("streamtune-inference-" + instance);
                System.out.println("killing node " + coordinator + ", the transaction coordinator of " + instance);
                cluster.kill(coordinator);
                kills.add(Instant.now());
                Thread.sleep(10_000);
                cluster.start(coordinator);

                load.awaitDone();
                ScenarioResult result = settle(scenario, cluster.clientProperties(), topics, load, kills, service);
                assertThat(load.failed()).as("texts the cluster never took").isEmpty();
                assertExactlyOnceAndRecovered(result, kills);
                assertThat(service.isAlive())
                        .as("the service outlived the failover")
                        .isTrue();
            }
        }
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private record Stage(
            String model, ClassifyLoop.Topics topics, FileSystemArtifactStore store, ModelRegistryEvent v1) {}

    /**
     * A rolling update or a drained node stops the service (SIGTERM) while the broker does not answer: it must exit by
     * itself within its pod's grace period (before, the monitoring producer's flush alone waited out its 2 min delivery
     * timeout and Quarkus waited for Kafka Streams without a bound), and, started again once the broker is back, carry
     * on exactly once. The shutdown timeout is set to 25 s here (default 75 s), so the stop ends at it: the drift
     * monitor's Kafka Streams does not finish closing while the broker is frozen.
     */
    @Test
    @Order(3)
    void stoppedWhileTheBrokerIsFrozenThenStartedAgain() throws Exception {
        String scenario = "broker paused (SIGSTOP) and the service stopped (SIGTERM) 2 s later; broker resumed once it"
                + " exited, service started again (restart → first output)";
        try (KafkaProcess broker = KafkaProcess.builder()
                        .optDataDir(work.resolve("broker-" + System.nanoTime()))
                        .optCreateTopics(true)
                        .start();
                Admin admin = Admin.create(broker.clientProperties())) {
            ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(admin, "stopped", 3, Map.of());
            Stage stage = stage("stopped", topics);
            List<Instant> backs = new ArrayList<>();
            Map<String, String> settings = settings(broker.bootstrapServers(), stage, "stopped-0");
            // the default 75 s is only bounded by the grace period; 25 s makes the exit at the timeout quick to test
            settings.put("streamtune.shutdown-timeout", SHUTDOWN_TIMEOUT.toString());
            try (ServiceProcess service = new ServiceProcess("stopped-0", settings, work.resolve("logs"));
                    LoadGenerator load = new LoadGenerator(
                            broker.clientProperties(),
                            topics.texts(),
                            FaultSuiteIT.INPUTS / 45.0,
                            FaultSuiteIT.INPUTS)) {
                announce(broker.clientProperties(), stage.v1());
                service.start().awaitReady(Duration.ofSeconds(120));
                load.start();
                Thread.sleep(8_000);

                broker.pause();
                Duration exited;
                try {
                    Thread.sleep(2_000);
                    exited = service.stop(TERMINATION_GRACE);
                } finally {
                    broker.resume();
                }
                System.out.printf("[inference stop] broker frozen: SIGTERM -> exit %d ms%n", exited.toMillis());
                backs.add(Instant.now());
                service.start().awaitReady(Duration.ofSeconds(120));

                load.awaitDone();
                // the broker stays frozen for as long as the stop takes (up to the 75 s shutdown timeout), longer than
                // the load generator's producer waits: texts it sent meanwhile failed to their sender, were never
                // accepted and are owed nothing; every other text must have exactly one output
                ScenarioResult result = settle(scenario, broker.clientProperties(), topics, load, backs, service);
                assertThat(load.failed()).as("texts the broker took").hasSizeLessThan(load.sent());
                assertExactlyOnceAndRecovered(result, backs);
            }
        }
    }

    private static Stage stage(String name, ClassifyLoop.Topics topics) {
        String model = "fault-" + name;
        FileSystemArtifactStore store =
                new FileSystemArtifactStore(work.resolve("store-" + name + "-" + System.nanoTime()));
        ModelRegistryEvent v1 = TestModels.publish(store, work.resolve("build"), TestModels.Spec.valid(model, 1));
        return new Stage(model, topics, store, v1);
    }

    private static Map<String, String> settings(String bootstrap, Stage stage, String instance) {
        return ServiceProcess.settings(
                bootstrap, stage.topics(), stage.model(), stage.store().root(), work.resolve("cache-" + instance));
    }

    private static void announce(Map<String, Object> client, ModelRegistryEvent live) {
        try (KafkaProducer<String, ModelRegistryEvent> producer =
                new KafkaProducer<>(client, new StringSerializer(), JsonSerde.of(ModelRegistryEvent.class))) {
            producer.send(new ProducerRecord<>(StreamtuneTopics.MODELS_NAME, live.key(), live));
        }
    }

    /** Waits for an output per input the broker took, then counts (and adds the row to the table). */
    private static ScenarioResult settle(
            String scenario,
            Map<String, Object> client,
            ClassifyLoop.Topics topics,
            LoadGenerator load,
            List<Instant> recoveries,
            ServiceProcess service)
            throws InterruptedException {
        int inputs = load.sent();
        try {
            await().atMost(Duration.ofSeconds(180))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size()
                                            + KafkaTestSupport.keys(client, topics.dlq())
                                                    .size()
                                    >= inputs - load.failed().size());
        } catch (ConditionTimeoutException e) {
            // committed < written: a transaction left open holds read_committed readers back (a hanging transaction);
            // otherwise the service stopped producing, and its liveness and log say why
            throw new AssertionError(
                    "outputs for %d of %d inputs after 3 minutes (%d predictions written, committed or not); %s"
                            .formatted(
                                    KafkaTestSupport.keys(client, topics.predictions())
                                                    .size()
                                            + KafkaTestSupport.keys(client, topics.dlq())
                                                    .size(),
                                    inputs - load.failed().size(),
                                    KafkaTestSupport.readAll(client, topics.predictions(), false)
                                            .size(),
                                    service.diagnosis()),
                    e);
        }
        Thread.sleep(1_000); // a duplicate would have had time to show up
        List<String> owed = IntStream.range(0, inputs)
                .mapToObj(i -> "id-" + i)
                .filter(id -> !load.failed().contains(id))
                .toList();
        ScenarioResult result = ScenarioResult.count(scenario, client, topics, owed, recoveries);
        ResultTable.add(result);
        System.out.println(ResultTable.render());
        return result;
    }

    private static void assertExactlyOnceAndRecovered(ScenarioResult result, List<Instant> recoveries) {
        assertThat(result.missing()).as("inputs without output: %s", result).isZero();
        assertThat(result.duplicated())
                .as("inputs with more than one output: %s", result)
                .isZero();
        assertThat(result.restartToFirstOutput())
                .as("an output after each recovery: %s", result)
                .hasSameSizeAs(recoveries)
                .allSatisfy(d -> assertThat(d).as("recovery → first output").isLessThanOrEqualTo(RECOVERY_BOUND));
    }
}
