package dev.streamtune.inference.fault;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.ErrorEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.inference.stream.ClassifyLoop;
import dev.streamtune.inference.support.FaultyRunner;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.LoadGenerator;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The fault suite: the packaged inference service as child JVMs against a real broker, each scenario streaming
 * thousands of keyed texts while something breaks, then counting every input's outputs on read_committed consumers.
 * Prints one table (also {@code target/fault-suite/results.md}). {@code ./mvnw verify} runs the quick set;
 * {@code -Pfault-suite} runs every scenario at full size.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FaultSuiteIT {

    static final boolean FULL = Boolean.getBoolean("streamtune.fault.full");
    static final int INPUTS = Integer.getInteger("streamtune.fault.inputs", 5_000);
    static final double RATE = Double.parseDouble(System.getProperty("streamtune.fault.rate", "400"));
    /**
     * A restarted instance commits again within this: far below what waiting out the dead member's session (45 s) or
     * an open transaction's timeout would take — what this guards against (before static membership a restart took
     * 44 s) — and above a start-up on 2 oversubscribed cores (JVM and Quarkus alone took up to 19 s there). The time a
     * restart takes is a measurement, reported in the results table (README), not asserted here: issue 8's 15 s goal
     * holds on an unloaded machine (7.5–14.4 s measured) but not when other builds share the 2 cores (14.5–24.8 s).
     */
    static final Duration RESTART_BOUND = Duration.ofSeconds(30);

    private static final long SEED = Long.getLong("streamtune.fault.seed", System.nanoTime());
    private static final JsonSerde<Prediction> PREDICTIONS = JsonSerde.of(Prediction.class);
    private static final JsonSerde<MonitoringEvent> MONITORING = JsonSerde.of(MonitoringEvent.class);

    private static EmbeddedKafkaBroker kafka;
    private static Path work;
    private static final Random RANDOM = new Random(SEED);

    /** A scenario's own topics, model name and artifact store, so that scenarios see nothing of each other. */
    private record Stage(String name, ClassifyLoop.Topics topics, String model, FileSystemArtifactStore store) {}

    @BeforeAll
    static void startBroker() throws Exception {
        work = Files.createDirectories(Path.of("target", "fault-suite").toAbsolutePath());
        kafka = EmbeddedKafkaBroker.builder().start();
        System.out.println("fault suite: seed " + SEED + (FULL ? ", full" : ", quick") + ", " + INPUTS + " inputs");
    }

    @AfterAll
    static void printTable() {
        String table = ResultTable.render();
        System.out.println("\nfault suite results (seed " + SEED + ")\n" + table);
        ResultTable.write(work.resolve("results.md"));
        if (kafka != null) {
            kafka.close();
        }
    }

    @Test
    @Order(1)
    void killNineAtRandomMomentsAndRestart() throws Exception {
        String scenario = "kill -9 the service " + (FULL ? 6 : 3) + " times under load while it serves and once while"
                + " it starts up, restarted each time";
        Stage stage = stage("kill9", 3);
        ClassifyLoop.Topics topics = stage.topics();
        ModelRegistryEvent v1 = publish(stage, 1);
        List<Instant> restarts = new ArrayList<>();
        // a steady load for as long as the kills go on (each restart waits for the last one to serve), not a fixed
        // count that the first restart would find already sent
        try (ServiceProcess service = service(stage, "inference-0", Map.of());
                LoadGenerator load = new LoadGenerator(kafka.clientProperties(), topics.texts(), RATE / 4)) {
            announce(v1);
            service.start().awaitReady(Duration.ofSeconds(120));
            load.start();
            for (int kill = 0; kill < (FULL ? 6 : 3); kill++) {
                // a random moment while the instance serves: a kill while it still started up (which takes longer
                // than these waits on 2 loaded cores) would leave that restart without a first commit of its own
                Thread.sleep(1_500 + RANDOM.nextInt(3_000));
                service.kill();
                Thread.sleep(500); // the pod is recreated
                service.start();
                restarts.add(service.starts().get(service.starts().size() - 1));
                service.awaitReady(Duration.ofSeconds(120));
            }
            // and once while it starts up (JVM, Quarkus, model, producer fencing, the group join: any of them): no
            // first commit to time there, but nothing may be lost or repeated through it either
            Thread.sleep(1_500 + RANDOM.nextInt(3_000));
            service.kill();
            Thread.sleep(500);
            service.start();
            Thread.sleep(1_000 + RANDOM.nextInt(4_000));
            service.kill();
            Thread.sleep(500);
            service.start().awaitReady(Duration.ofSeconds(120));
            Thread.sleep(2_000);
            load.close();
            assertThat(load.failed()).as("texts the broker did not take").isEmpty();
            int inputs = load.sent();
            awaitOutputs(topics, inputs, Duration.ofSeconds(120));
            ScenarioResult result = settle(scenario, topics, restarts, inputs, true);
            assertExactlyOnce(result);
            assertThat(result.restartToFirstOutput())
                    .as("each restarted process's own first commit, before the next kill")
                    .hasSameSizeAs(restarts)
                    .allSatisfy(d -> assertThat(d).as("restart → first commit").isLessThanOrEqualTo(RESTART_BOUND));
        }
    }

    @Test
    @Order(2)
    void scaleOneTwoOneWithCooperativeSticky() throws Exception {
        scaleOneTwoOne(
                "scale 1 → 2 → 1 (CooperativeSticky)",
                "scale-coop",
                Map.of(
                        "kafka.partition.assignment.strategy",
                        "org.apache.kafka.clients.consumer.CooperativeStickyAssignor"));
    }

    @Test
    @Order(3)
    void scaleOneTwoOneWithTheConsumerProtocol() throws Exception {
        scaleOneTwoOne(
                "scale 1 → 2 → 1 (group.protocol=consumer)",
                "scale-kip848",
                Map.of("streamtune.stream.group-protocol", "consumer"));
    }

    private void scaleOneTwoOne(String scenario, String name, Map<String, String> consumer) throws Exception {
        Stage stage = stage(name, 4);
        ClassifyLoop.Topics topics = stage.topics();
        ModelRegistryEvent v1 = publish(stage, 1);
        try (ServiceProcess first = service(stage, name + "-0", consumer);
                ServiceProcess second = service(stage, name + "-1", consumer);
                LoadGenerator load = new LoadGenerator(kafka.clientProperties(), topics.texts(), RATE, INPUTS)) {
            announce(v1);
            first.start().awaitReady(Duration.ofSeconds(120));
            load.start();
            Thread.sleep(3_000);
            second.start().awaitReady(Duration.ofSeconds(120));
            Thread.sleep(4_000);
            second.stop(); // scale down: it commits what it has and leaves the group
            load.awaitDone();
            awaitOutputs(topics, INPUTS, Duration.ofSeconds(120));
            assertExactlyOnce(settle(scenario, topics, List.of()));
        }
    }

    @Test
    @Order(4)
    void artifactStoreAwayDuringASwapThenALiveRecordWhoseArtifactNeverAppears() throws Exception {
        String scenario = "store away 15 s during a swap; a LIVE record whose artifact never appears";
        Stage stage = stage("store-away", 3);
        ClassifyLoop.Topics topics = stage.topics();
        ModelRegistryEvent v1 = publish(stage, 1);
        Map<String, String> retries = Map.of(
                "streamtune.model.fetch-attempts", "6", // 1+2+4+8+8 = 23 s of retries: outlasts a 15 s outage
                "streamtune.model.fetch-retry", "1s",
                "streamtune.model.fetch-retry-max", "8s");
        try (ServiceProcess service = service(stage, "store-away-0", retries);
                LoadGenerator load = // spread over 45 s: still running when v2 is back after the outage
                        new LoadGenerator(kafka.clientProperties(), topics.texts(), INPUTS / 45.0, INPUTS)) {
            announce(v1);
            service.start().awaitReady(Duration.ofSeconds(120));
            load.start();
            Thread.sleep(2_000);

            // v2's artifact is announced while its directory is away (an NFS or S3 outage), and back 15 s later
            ModelRegistryEvent v2 = publish(stage, 2);
            Path v2Dir = Path.of(java.net.URI.create(v2.uri()));
            Path away = v2Dir.resolveSibling("away-v2");
            Files.move(v2Dir, away);
            announce(v2);
            Thread.sleep(15_000);
            Files.move(away, v2Dir);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> versionsServed(topics).contains(2L));

            // v3 is announced and its artifact never appears: given up after its attempts, v2 goes on
            ModelRegistryEvent v3 = publish(stage, 3);
            Path v3Dir = Path.of(java.net.URI.create(v3.uri()));
            Files.move(v3Dir, v3Dir.resolveSibling("lost-v3"));
            announce(v3);
            load.awaitDone();
            awaitOutputs(topics, INPUTS, Duration.ofSeconds(120));
            await().atMost(Duration.ofSeconds(60)).until(() -> errors(stage, 3).stream()
                    .anyMatch(e -> e.message().contains("gave up after 6 attempts")));
            ScenarioResult result = settle(scenario, topics, List.of());
            assertExactlyOnce(result);
            assertThat(errors(stage, 2))
                    .as("the outage was reported, attempt by attempt")
                    .isNotEmpty();
            assertThat(versionsServed(topics)).containsOnly(1L, 2L);
        }
    }

    @Test
    @Order(5)
    void poisonRecordsAmongThousandsOfGoodOnes() throws Exception {
        String scenario =
                "a record at the topic's size limit, one over the text limit, a text the runtime throws on, one"
                        + " it runs out of memory for";
        // texts and DLQ topics share a 200,000-byte limit, as topics of one cluster do
        Map<String, String> limit = Map.of("max.message.bytes", "200000");
        ClassifyLoop.Topics topics =
                KafkaTestSupport.freshTopics(kafka.admin(), "poison", 3, Map.of("texts", limit, "dlq", limit));
        Map<Integer, String> poison = Map.of(
                1_000,
                "a".repeat(199_800),
                2_000,
                "b ".repeat(40_000),
                3_000,
                "a zebra walks in",
                4_000,
                "one lion there");
        List<ProducerRecord<byte[], byte[]>> inputs = new ArrayList<>();
        for (int i = 0; i < INPUTS; i++) {
            String text = poison.getOrDefault(i, LoadGenerator.text(i));
            byte[] value = poison.containsKey(i) && i < 3_000
                    ? text.getBytes(StandardCharsets.UTF_8)
                    : ("{\"id\":\"id-" + i + "\",\"text\":\"" + text + "\"}").getBytes(StandardCharsets.UTF_8);
            inputs.add(new ProducerRecord<>(topics.texts(), ("id-" + i).getBytes(StandardCharsets.UTF_8), value));
        }
        try (ServiceHarness service = new ServiceHarness(
                kafka.clientProperties(),
                work.resolve("poison-" + System.nanoTime()),
                ServiceHarness.Options.small())) {
            FaultyRunner.Wrapped faulty = FaultyRunner.wrap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            faulty.runner()
                    .on("zebra", FaultyRunner.Fault.THROW, Integer.MAX_VALUE)
                    .on("lion", FaultyRunner.Fault.OUT_OF_MEMORY, Integer.MAX_VALUE);
            service.holder.swap(faulty.model());
            ClassifyLoop loop = service.loop(
                            dev.streamtune.inference.stream.KafkaClientFactory.standard(),
                            service.loopSettings(topics, 0.0))
                    .start();
            KafkaTestSupport.send(kafka.clientProperties(), inputs);
            awaitOutputs(topics, INPUTS, Duration.ofSeconds(120));
            ScenarioResult result = settle(scenario, topics, List.of());
            loop.close();
            assertExactlyOnce(result);
            assertThat(result.deadLettered()).isEqualTo(poison.size());
            assertThat(service.engine.health().alive()).isTrue();
        }
    }

    @Test
    @Order(9)
    void soakAtEightyPercentOfTheMeasuredMaximum() throws Exception {
        Assumptions.assumeTrue(FULL, "the soak runs only in the full suite (-Pfault-suite)");
        Duration soak = Duration.ofMinutes(Long.getLong("streamtune.fault.soak-minutes", 10));
        Stage stage = stage("soak", 3);
        ModelRegistryEvent v1 = publish(stage, 1);
        try (ServiceProcess service = service(stage, "soak-0", Map.of())) {
            announce(v1);
            service.start().awaitReady(Duration.ofSeconds(120));
            double maximum = maximumThroughput(stage, service);
            double rate = 0.8 * maximum;
            int inputs = (int) (rate * soak.toSeconds());
            System.out.printf("soak: maximum %.0f texts/s, soaking at %.0f texts/s for %s%n", maximum, rate, soak);
            ClassifyLoop.Topics topics = stage.topics();
            List<String> samples = new ArrayList<>();
            try (LoadGenerator load = new LoadGenerator(kafka.clientProperties(), topics.texts(), rate, inputs)) {
                load.start();
                long end = System.nanoTime() + soak.toNanos();
                while (System.nanoTime() < end) {
                    samples.add(sample(stage, service));
                    Thread.sleep(30_000);
                }
                load.awaitDone();
            }
            samples.add(sample(stage, service));
            awaitOutputs(topics, inputs, Duration.ofSeconds(300));
            System.out.println("soak samples (lag, RSS, GC):\n  " + String.join("\n  ", samples));
            ScenarioResult result = settle(
                    String.format("soak at 80%% of the maximum (%.0f texts/s) for %s", rate, soak),
                    topics,
                    List.of(),
                    inputs);
            assertExactlyOnce(result);
        }
    }

    /** Texts per second the service classifies from a backlog (on topics of its own, then left alone). */
    private double maximumThroughput(Stage stage, ServiceProcess service) throws Exception {
        ClassifyLoop.Topics probe = stage.topics();
        int backlog = 10_000;
        List<ProducerRecord<byte[], byte[]>> inputs = new ArrayList<>();
        for (int i = 0; i < backlog; i++) {
            inputs.add(new ProducerRecord<>(
                    probe.texts(),
                    ("probe-" + i).getBytes(StandardCharsets.UTF_8),
                    LoadGenerator.text(i).getBytes(StandardCharsets.UTF_8)));
        }
        long start = System.nanoTime();
        KafkaTestSupport.send(kafka.clientProperties(), inputs);
        await().atMost(Duration.ofSeconds(300))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> KafkaTestSupport.keys(kafka.clientProperties(), probe.predictions()).stream()
                                .filter(k -> k.startsWith("probe-"))
                                .count()
                        >= backlog);
        return backlog / ((System.nanoTime() - start) / 1e9);
    }

    private static String sample(Stage stage, ServiceProcess service) throws Exception {
        String scrape = service.scrape();
        return String.format(
                "%s lag %d, RSS %d MiB, heap %.0f MiB, GC %d pauses %.1f s",
                Instant.now(),
                lag(stage),
                service.residentMib(),
                ServiceProcess.sum(scrape, "jvm_memory_used_bytes{area=\"heap\"") / (1 << 20),
                (long) ServiceProcess.sum(scrape, "jvm_gc_pause_seconds_count"),
                ServiceProcess.sum(scrape, "jvm_gc_pause_seconds_sum"));
    }

    /** Records of the texts topic not yet committed by the service's group. */
    private static long lag(Stage stage) throws Exception {
        var committed = kafka.admin()
                .listConsumerGroupOffsets("group-" + stage.topics().texts())
                .partitionsToOffsetAndMetadata()
                .get();
        var partitions = kafka.admin()
                .describeTopics(List.of(stage.topics().texts()))
                .allTopicNames()
                .get()
                .get(stage.topics().texts())
                .partitions();
        Map<org.apache.kafka.common.TopicPartition, org.apache.kafka.clients.admin.OffsetSpec> latest = new HashMap<>();
        partitions.forEach(p -> latest.put(
                new org.apache.kafka.common.TopicPartition(stage.topics().texts(), p.partition()),
                org.apache.kafka.clients.admin.OffsetSpec.latest()));
        long lag = 0;
        for (var e : kafka.admin().listOffsets(latest).all().get().entrySet()) {
            var done = committed.get(e.getKey());
            lag += e.getValue().offset() - (done == null ? 0 : done.offset());
        }
        return lag;
    }

    // --- helpers ------------------------------------------------------------------------------------------------

    private static Stage stage(String name, int partitions) {
        return new Stage(
                name,
                KafkaTestSupport.freshTopics(kafka.admin(), name, partitions, Map.of()),
                "fault-" + name,
                new FileSystemArtifactStore(work.resolve("store-" + name + "-" + System.nanoTime())));
    }

    private ServiceProcess service(Stage stage, String instance, Map<String, String> extra) {
        Map<String, String> p = ServiceProcess.settings(
                kafka.bootstrapServers(),
                stage.topics(),
                stage.model(),
                stage.store().root(),
                work.resolve("cache-" + instance));
        p.putAll(extra);
        return new ServiceProcess(instance, p, work.resolve("logs"));
    }

    private static ModelRegistryEvent publish(Stage stage, long version) {
        return TestModels.publish(stage.store(), work.resolve("build"), TestModels.Spec.valid(stage.model(), version));
    }

    private static void announce(ModelRegistryEvent live) {
        try (KafkaProducer<String, ModelRegistryEvent> producer = new KafkaProducer<>(
                kafka.clientProperties(), new StringSerializer(), JsonSerde.of(ModelRegistryEvent.class))) {
            producer.send(new ProducerRecord<>(StreamtuneTopics.MODELS_NAME, live.key(), live));
        }
    }

    private static List<Long> versionsServed(ClassifyLoop.Topics topics) {
        return KafkaTestSupport.readAll(kafka.clientProperties(), topics.predictions(), true).stream()
                .map(r -> PREDICTIONS.deserialize(r.topic(), r.value()).version())
                .distinct()
                .toList();
    }

    private static List<ErrorEvent> errors(Stage stage, long version) {
        List<ErrorEvent> errors = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaTestSupport.readAll(kafka.clientProperties(), StreamtuneTopics.MONITORING_NAME, true)) {
            if (MONITORING.deserialize(r.topic(), r.value()) instanceof ErrorEvent e
                    && stage.model().equals(e.model())
                    && e.version() != null
                    && e.version() == version) {
                errors.add(e);
            }
        }
        return errors;
    }

    private static void awaitOutputs(ClassifyLoop.Topics topics, int inputs, Duration timeout) {
        await().atMost(timeout)
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> KafkaTestSupport.keys(kafka.clientProperties(), topics.predictions())
                                        .size()
                                + KafkaTestSupport.keys(kafka.clientProperties(), topics.dlq())
                                        .size()
                        >= inputs);
    }

    private static ScenarioResult settle(String scenario, ClassifyLoop.Topics topics, List<Instant> restarts)
            throws InterruptedException {
        return settle(scenario, topics, restarts, INPUTS);
    }

    private static ScenarioResult settle(
            String scenario, ClassifyLoop.Topics topics, List<Instant> restarts, int inputs)
            throws InterruptedException {
        return settle(scenario, topics, restarts, inputs, false);
    }

    private static ScenarioResult settle(
            String scenario, ClassifyLoop.Topics topics, List<Instant> restarts, int inputs, boolean perProcess)
            throws InterruptedException {
        Thread.sleep(1_000); // a duplicate would have had time to show up
        ScenarioResult result = ScenarioResult.count(
                scenario,
                kafka.clientProperties(),
                topics,
                IntStream.range(0, inputs).mapToObj(i -> "id-" + i).toList(),
                restarts,
                perProcess);
        ResultTable.add(result);
        System.out.println(ResultTable.render());
        return result;
    }

    private static void assertExactlyOnce(ScenarioResult result) {
        assertThat(result.missing()).as("inputs without output: %s", result).isZero();
        assertThat(result.duplicated())
                .as("inputs with more than one output: %s", result)
                .isZero();
    }
}
