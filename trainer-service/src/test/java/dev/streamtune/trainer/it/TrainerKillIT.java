package dev.streamtune.trainer.it;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.store.FileSystemArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.process.KafkaProcessCluster;
import dev.streamtune.kafka.token.DevTokenIssuer;
import dev.streamtune.trainer.TestExamples;
import dev.streamtune.trainer.TrainerService;
import dev.streamtune.trainer.support.BrokerProcess;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.MemberDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.io.TempDir;

/**
 * The packaged trainer as a child JVM against a standalone broker, killed with SIGKILL mid-run and started again with
 * the same command line: a read_committed reader of the models topic never sees a record of the killed run nor an
 * artifact that is not complete and verified, the interrupted run is run again and publishes, and the restarted trainer
 * takes its partitions back without waiting for its predecessor's session to expire (static membership). Prints the
 * restart figures. The kill during training is the quick check {@code verify} runs; the kills while the model is
 * exported and while it is announced are in the fault suite ({@code -Pfault-suite}).
 */
class TrainerKillIT {

    private static final String MODEL = "streamtune-classifier";
    /** The registry producer's transactional id under the default application id. */
    private static final String REGISTRY_TRANSACTIONAL_ID =
            TrainerService.registryTransactionalId("streamtune-trainer-" + MODEL);

    private static final String SECRET = "fault-suite-secret-fault-suite-secret-0123";
    private static final ManifestSigner SIGNER = ManifestSigner.hmac("trainer", SECRET);
    private static final Pattern TRAINING_STEP = Pattern.compile("Run (\\S+) epoch \\d+/\\d+ step \\d+/\\d+");
    private static final Pattern EXPORTING = Pattern.compile("Run (\\S+) \\[exporting\\]");
    private static final Duration START_TIMEOUT = Duration.ofMinutes(3);
    /** terminationGracePeriodSeconds of the trainer's pod (deploy/kubernetes/model/trainer). */
    private static final Duration TERMINATION_GRACE = Duration.ofSeconds(60);

    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);
    /**
     * The trainer's session timeout here, twice Kafka's default so that a restart without static membership (which
     * waits for its predecessor's session to expire) cannot be mistaken for one with it.
     */
    private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path tmp;

    private String test;

    @BeforeEach
    void name(TestInfo info) {
        test = info.getTestMethod().orElseThrow().getName();
    }

    @Test
    void shouldRunTheInterruptedRunAgainAfterAKillDuringTraining() throws Exception {
        try (var broker = BrokerProcess.start(tmp.resolve("kafka"), Map.of());
                var trainer = trainer(broker.bootstrapServers())) {
            sendExamples(broker.clientProperties(), TestExamples.dataset("kill", 80));
            trainer.start();
            trainer.awaitReady(START_TIMEOUT);
            awaitProcessed(broker.clientProperties());

            int mark = trainer.mark();
            requestTraining(broker.clientProperties(), "killed during training");
            String killedRun =
                    trainer.awaitLine(TRAINING_STEP, mark, RUN_TIMEOUT).group(1);
            trainer.kill();
            long killedAt = System.nanoTime();

            assertNothingVisibleOf(killedRun, broker.clientProperties());
            Restart restart = restart(trainer, broker.clientProperties(), killedAt);
            restart.print("killed during training");
            assertThat(restart.killToFirstProcessing())
                    .as("the restarted trainer processed records long before its predecessor's session expired")
                    .isLessThan(SESSION_TIMEOUT.dividedBy(2));
            assertSingleStaticMember(broker.clientProperties());

            ModelRegistryEvent live = awaitLive(broker.clientProperties(), 1);
            assertThat(live.manifest().lineage().runId()).isNotEqualTo(killedRun);
            assertVerified(live);
            assertNothingVisibleOf(killedRun, broker.clientProperties());
        }
    }

    @Test
    @Tag("fault-suite")
    void shouldLeaveNothingVisibleAfterAKillDuringExport() throws Exception {
        try (var broker = BrokerProcess.start(tmp.resolve("kafka"), Map.of());
                var trainer = trainer(broker.bootstrapServers())) {
            sendExamples(broker.clientProperties(), TestExamples.dataset("export", 80));
            trainer.start();
            trainer.awaitReady(START_TIMEOUT);
            awaitProcessed(broker.clientProperties());

            int mark = trainer.mark();
            requestTraining(broker.clientProperties(), "killed during export");
            String killedRun = trainer.awaitLine(EXPORTING, mark, RUN_TIMEOUT).group(1);
            trainer.kill();
            long killedAt = System.nanoTime();

            assertNothingVisibleOf(killedRun, broker.clientProperties());
            restart(trainer, broker.clientProperties(), killedAt).print("killed during export");
            ModelRegistryEvent live = awaitLive(broker.clientProperties(), 1);
            assertThat(live.manifest().lineage().runId()).isNotEqualTo(killedRun);
            assertVerified(live);
        }
    }

    /**
     * A broker failover under the trainer: on a 3-node cluster (replication 3, min.insync.replicas 2) the node that is
     * the transaction coordinator of the trainer's registry producer is killed (SIGKILL) while a run trains, and stays
     * down. The run announces its version through the coordinator that takes over (published and live once, verified),
     * the trainer stays ready, and examples sent after the restart of the node are still taken into the dataset.
     */
    @Test
    @Tag("fault-suite")
    void shouldPublishThroughABrokerFailover() throws Exception {
        try (var cluster = KafkaProcessCluster.builder()
                        .optDataDir(tmp.resolve("cluster"))
                        .optNodes(3)
                        .start();
                var trainer = trainer(cluster.bootstrapServers())) {
            cluster.createTopics(StreamtuneTopics.all());
            Map<String, Object> client = cluster.clientProperties();
            sendExamples(client, TestExamples.dataset("failover", 80));
            trainer.start();
            trainer.awaitReady(START_TIMEOUT);
            awaitProcessed(client);

            int mark = trainer.mark();
            requestTraining(client, "broker failover during training");
            trainer.awaitLine(TRAINING_STEP, mark, RUN_TIMEOUT);
            int coordinator = cluster.transactionCoordinator(REGISTRY_TRANSACTIONAL_ID);
            cluster.kill(coordinator);
            long killedAt = System.nanoTime();
            Map<String, Object> survivors = new HashMap<>(client);
            survivors.put(
                    "bootstrap.servers",
                    cluster.nodeIds().stream()
                            .filter(id -> id != coordinator)
                            .map(id -> "127.0.0.1:" + cluster.node(id).port())
                            .collect(Collectors.joining(",")));

            ModelRegistryEvent live = awaitLive(survivors, 1);
            System.out.printf(
                    "[trainer failover] node %d (registry transaction coordinator) killed during training; v1 live"
                            + " %d s later, through node %d%n",
                    coordinator,
                    Duration.ofNanos(System.nanoTime() - killedAt).toSeconds(),
                    cluster.transactionCoordinator(REGISTRY_TRANSACTIONAL_ID));
            assertVerified(live);
            assertThat(trainer.ready())
                    .as("ready after the failover; log %s", trainer.log())
                    .isTrue();

            cluster.start(coordinator);
            awaitProcessed(client);
        }
    }

    /**
     * The broker frozen (SIGSTOP: connections accepted, nothing answered, as a hung or unreachable cluster) when the
     * trainer starts, for longer than the 30 s its state-topic read was once given: the trainer stays up, alive (Kafka
     * Streams waiting for its topics is no reason to restart it) and not ready, saying what it waits for; once the broker answers it becomes ready, reads the examples sent before and trains and
     * publishes on request. Before, start-up failed after 30 s and the process exited. Stopped (SIGTERM) while the
     * broker is still frozen, it exits within its pod's grace period, and starts again.
     */
    @Test
    @Tag("fault-suite")
    void shouldWaitForABrokerOutOfReachAtStartUp() throws Exception {
        try (var broker = BrokerProcess.start(tmp.resolve("kafka"), Map.of());
                var trainer = trainer(broker.bootstrapServers())) {
            sendExamples(broker.clientProperties(), TestExamples.dataset("outage", 80));
            broker.pause();
            long frozenAt = System.nanoTime();
            Duration stopped;
            try {
                trainer.start();
                Thread.sleep(Duration.ofSeconds(45).toMillis());
                assertThat(trainer.alive())
                        .as("the trainer is still running after 45 s without a broker; log %s", trainer.log())
                        .isTrue();
                var liveness = trainer.health("live", Duration.ofSeconds(2));
                assertThat(liveness)
                        .as("the trainer answers its liveness probe at once")
                        .isNotNull();
                assertThat(liveness.statusCode())
                        .as("alive: a restart would not bring the broker back; %s", liveness.body())
                        .isEqualTo(200);
                // within the probe's 3 s timeout (Quarkus' own Kafka check, disabled since, held it 60 s)
                var readiness = trainer.health("ready", Duration.ofSeconds(3));
                assertThat(readiness)
                        .as("the trainer answers its readiness probe within the probe's timeout")
                        .isNotNull();
                assertThat(readiness.statusCode()).isEqualTo(503);
                assertThat(readiness.body())
                        .contains("reading the trainer state topic")
                        .contains("the Kafka cluster did not answer within PT2S");
                // a rolling update or a drained node stops it now: it must exit by itself within the pod's grace
                // period, not be killed at its end
                stopped = trainer.stop(TERMINATION_GRACE);
                trainer.start();
                Thread.sleep(Duration.ofSeconds(5).toMillis());
            } finally {
                broker.resume();
            }
            long resumedAt = System.nanoTime();
            Duration ready = trainer.awaitReady(START_TIMEOUT);
            System.out.printf(
                    "[trainer start-up outage] broker frozen %d s; SIGTERM -> exit %d ms; broker back -> trainer"
                            + " (started again while frozen) ready %d ms%n",
                    Duration.ofNanos(resumedAt - frozenAt).toSeconds(), stopped.toMillis(), ready.toMillis());
            awaitProcessed(broker.clientProperties());
            requestTraining(broker.clientProperties(), "after a start-up without a broker");
            ModelRegistryEvent live = awaitLive(broker.clientProperties(), 1);
            assertVerified(live);
        }
    }

    /**
     * The broker is paused while the trainer exports, so the run uploads its artifact and then cannot get its
     * registry transaction through; it is killed once the artifact is complete in the store, its records sent or
     * not but never committed. The next run must skip that version and publish the one after it.
     */
    @Test
    @Tag("fault-suite")
    void shouldSkipTheVersionOfARunKilledWhileAnnouncingIt() throws Exception {
        endWhileAnnouncing("killed while announcing", TrainerProcess::kill);
    }

    /**
     * As above, but stopped (SIGTERM, as a rolling update or a drained node stops the pod) while the broker is still
     * frozen: the trainer exits by itself within its pod's grace period (the run is cancelled, its producers' closes
     * are bounded), not killed at its end, and the restarted trainer publishes the next version as after a kill.
     */
    @Test
    @Tag("fault-suite")
    void shouldStopWithinItsGracePeriodWhileTheBrokerIsFrozen() throws Exception {
        endWhileAnnouncing("stopped while announcing", trainer -> {
            Duration exited = trainer.stop(TERMINATION_GRACE);
            System.out.printf(
                    "[trainer stop] broker frozen while announcing: SIGTERM -> exit %d ms%n", exited.toMillis());
        });
    }

    private interface Ending {
        void end(TrainerProcess trainer) throws Exception;
    }

    private void endWhileAnnouncing(String scenario, Ending ending) throws Exception {
        try (var broker = BrokerProcess.start(tmp.resolve("kafka"), Map.of());
                var trainer = trainer(broker.bootstrapServers())) {
            sendExamples(broker.clientProperties(), TestExamples.dataset("announce", 80));
            trainer.start();
            trainer.awaitReady(START_TIMEOUT);
            awaitProcessed(broker.clientProperties());

            int mark = trainer.mark();
            requestTraining(broker.clientProperties(), scenario);
            String endedRun = trainer.awaitLine(EXPORTING, mark, RUN_TIMEOUT).group(1);
            broker.pause();
            long endedAt;
            try {
                Path uploaded = models().resolve(MODEL).resolve("v1");
                awaitPath(uploaded, RUN_TIMEOUT);
                Thread.sleep(2_000); // into the registry write, which cannot complete
                ending.end(trainer);
                endedAt = System.nanoTime();
            } finally {
                broker.resume();
            }

            assertNothingVisibleOf(endedRun, broker.clientProperties());
            restart(trainer, broker.clientProperties(), endedAt).print(scenario);
            ModelRegistryEvent live = awaitLive(broker.clientProperties(), 2);
            assertThat(live.manifest().lineage().runId()).isNotEqualTo(endedRun);
            assertVerified(live);
            assertThat(new TopicRegistryView(StreamtuneTopics.MODELS_NAME, broker.clientProperties()).read())
                    .doesNotContainKey(ModelRegistryEvent.versionKey(MODEL, 1));
        }
    }

    private TrainerProcess trainer(String bootstrapServers) throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("kafka.bootstrap.servers", bootstrapServers);
        settings.put("streamtune.trainer.instance", "it-trainer");
        settings.put("streamtune.trainer.work-dir", tmp.resolve("work").toString());
        settings.put("streamtune.trainer.store.filesystem.root", models().toString());
        settings.put("streamtune.trainer.triggers.automatic", "false");
        settings.put("streamtune.trainer.triggers.poll-interval", "PT0.5S");
        settings.put("streamtune.trainer.training.layers", "2");
        settings.put("streamtune.trainer.training.max-length", "32");
        settings.put("streamtune.trainer.training.epochs", "2");
        settings.put("streamtune.trainer.training.batch-size", "8");
        settings.put("streamtune.trainer.training.device", "cpu");
        settings.put("streamtune.trainer.dataset.validation-fraction", "0.2");
        settings.put("streamtune.trainer.dataset.test-fraction", "0.2");
        settings.put("kafka-streams.session.timeout.ms", Long.toString(SESSION_TIMEOUT.toMillis()));
        // REST security on, as deployed: the trainer refuses to start without a key to verify tokens with (training is
        // requested on the commands topic here, so no token is minted)
        Path keys = tmp.resolve("jwt");
        DevTokenIssuer.writeKeyPair(DevTokenIssuer.generateKeyPair(), keys);
        settings.put(
                "mp.jwt.verify.publickey.location",
                keys.resolve(DevTokenIssuer.PUBLIC_KEY_FILE).toString());
        Map<String, String> environment = Map.of(
                "STREAMTUNE_TRAINER_SIGNING_HMAC_SECRET",
                SECRET,
                // PyTorch's OpenMP threads sleep instead of spinning on a shared CPU
                "OMP_WAIT_POLICY",
                "PASSIVE",
                "THP_MEM_ALLOC_ENABLE",
                "1");
        Path logs = Files.createDirectories(Path.of("target", "it-logs"));
        return new TrainerProcess(
                settings, environment, logs.resolve(getClass().getSimpleName() + "-" + test + ".log"));
    }

    private Path models() {
        return tmp.resolve("models");
    }

    /** Restart figures, from the kill and from the new process's start. */
    record Restart(Duration killToRestart, Duration restartToReady, Duration restartToFirstProcessing) {
        Duration killToFirstProcessing() {
            return killToRestart.plus(restartToFirstProcessing);
        }

        void print(String scenario) {
            System.out.printf(
                    "[trainer restart] %s: restart -> ready %d ms, restart -> first record processed %d ms"
                            + " (kill -> first record processed %d ms)%n",
                    scenario,
                    restartToReady.toMillis(),
                    restartToFirstProcessing.toMillis(),
                    killToFirstProcessing().toMillis());
        }
    }

    /**
     * Sends a malformed example while the trainer is down, starts it with the same command line, and times readiness
     * and the moment that example reaches the DLQ (the first record the restarted trainer processed).
     */
    private static Restart restart(TrainerProcess trainer, Map<String, Object> client, long killedAt) throws Exception {
        try (var probe = new Probe(client)) {
            long restartedAt = System.nanoTime();
            trainer.start();
            Duration ready = null;
            Duration first = null;
            long deadline = restartedAt + START_TIMEOUT.toNanos();
            while (ready == null || first == null) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("after the restart: ready " + ready + ", first record processed " + first
                            + "; log " + trainer.log());
                }
                if (first == null && probe.arrived(Duration.ofMillis(100))) {
                    first = Duration.ofNanos(System.nanoTime() - restartedAt);
                }
                if (ready == null && trainer.ready()) {
                    ready = Duration.ofNanos(System.nanoTime() - restartedAt);
                }
            }
            return new Restart(Duration.ofNanos(restartedAt - killedAt), ready, first);
        }
    }

    /** Waits until the trainer has processed every example sent so far (one partition: a probe sent after them). */
    private static void awaitProcessed(Map<String, Object> client) throws Exception {
        try (var probe = new Probe(client)) {
            long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
            while (!probe.arrived(Duration.ofMillis(200))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("the trainer did not process the examples within " + START_TIMEOUT);
                }
            }
        }
    }

    /** A malformed example whose dead letter (read_committed) shows that the trainer processed it. */
    private static final class Probe implements AutoCloseable {
        private final String key = "probe-" + UUID.randomUUID();
        private final KafkaConsumer<String, byte[]> dlq;

        Probe(Map<String, Object> client) throws Exception {
            Map<String, Object> config = new HashMap<>(client);
            config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            dlq = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
            List<TopicPartition> partitions =
                    dlq.partitionsFor(StreamtuneTopics.DLQ_NAME, Duration.ofSeconds(30)).stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
            dlq.assign(partitions);
            dlq.seekToEnd(partitions);
            partitions.forEach(dlq::position);
            try (var producer = producer(client)) {
                producer.send(new ProducerRecord<>(
                                StreamtuneTopics.EXAMPLES_NAME,
                                key.getBytes(StandardCharsets.UTF_8),
                                "not-json".getBytes(StandardCharsets.UTF_8)))
                        .get();
            }
        }

        boolean arrived(Duration poll) {
            for (ConsumerRecord<String, byte[]> r : dlq.poll(poll)) {
                if (key.equals(r.key())) {
                    return true;
                }
            }
            return false;
        }

        @Override
        public void close() {
            dlq.close();
        }
    }

    /** The trainer's Kafka Streams group has one member, a static one, after the restart. */
    private static void assertSingleStaticMember(Map<String, Object> client) throws Exception {
        try (Admin admin = Admin.create(new HashMap<>(client))) {
            List<String> groups = admin.listGroups().all().get().stream()
                    .map(GroupListing::groupId)
                    .filter(g -> g.startsWith("streamtune-trainer"))
                    .toList();
            assertThat(groups).hasSize(1);
            ConsumerGroupDescription group =
                    admin.describeConsumerGroups(groups).all().get().get(groups.get(0));
            assertThat(group.members()).hasSize(1);
            assertThat(group.members().iterator().next())
                    .extracting(MemberDescription::groupInstanceId)
                    .isEqualTo(Optional.of("it-trainer-1"));
        }
    }

    private void assertNothingVisibleOf(String runId, Map<String, Object> client) throws Exception {
        Map<String, ModelRegistryEvent> registry =
                new TopicRegistryView(StreamtuneTopics.MODELS_NAME, new HashMap<>(client)).read();
        for (ModelRegistryEvent record : registry.values()) {
            assertThat(record.manifest().lineage().runId())
                    .as("record %s/%s of the killed run", record.name(), record.version())
                    .isNotEqualTo(runId);
            if (record.uri() != null) {
                assertVerified(record);
            }
        }
    }

    private void assertVerified(ModelRegistryEvent record) throws Exception {
        var store = new FileSystemArtifactStore(models());
        Path fetched = tmp.resolve("fetched-" + UUID.randomUUID());
        store.fetch(URI.create(record.uri()), fetched);
        assertThat(new ArtifactVerifier(SIGNER)
                        .verify(fetched, record.manifestSha256())
                        .version())
                .isEqualTo(record.version());
        try (Stream<Path> files = Files.list(models().resolve(MODEL))) {
            assertThat(files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("v")))
                    .as("complete artifact directories")
                    .allMatch(n -> n.matches("v\\d+"));
        }
    }

    private static ModelRegistryEvent awaitLive(Map<String, Object> client, long version) throws Exception {
        var registry = new TopicRegistryView(StreamtuneTopics.MODELS_NAME, new HashMap<>(client));
        long deadline = System.nanoTime() + RUN_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<ModelRegistryEvent> live = registry.live(MODEL);
            if (live.isPresent() && live.get().version() >= version) {
                assertThat(live.get().status()).isEqualTo(RegistryStatus.LIVE);
                assertThat(live.get().version()).isEqualTo(version);
                return live.get();
            }
            Thread.sleep(500);
        }
        throw new AssertionError("no live v" + version + " within " + RUN_TIMEOUT + ": " + registry.read());
    }

    private static void awaitPath(Path path, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.isDirectory(path)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError(path + " did not appear within " + timeout);
            }
            Thread.sleep(20);
        }
    }

    private static void sendExamples(Map<String, Object> client, List<LabeledExample> examples) throws Exception {
        try (var producer = producer(client)) {
            for (LabeledExample e : examples) {
                producer.send(new ProducerRecord<>(
                        StreamtuneTopics.EXAMPLES_NAME, e.id().getBytes(StandardCharsets.UTF_8), Json.write(e)));
            }
            producer.flush();
        }
    }

    private static void requestTraining(Map<String, Object> client, String reason) throws Exception {
        var command = new TrainerCommand(
                SchemaVersions.CURRENT, TrainerCommand.Type.RETRAIN, MODEL, null, "fault-suite", reason, Instant.now());
        try (var producer = producer(client)) {
            producer.send(new ProducerRecord<>(
                            StreamtuneTopics.COMMANDS_NAME,
                            MODEL.getBytes(StandardCharsets.UTF_8),
                            Json.write(command)))
                    .get();
        }
    }

    private static KafkaProducer<byte[], byte[]> producer(Map<String, Object> client) {
        return new KafkaProducer<>(new HashMap<>(client), new ByteArraySerializer(), new ByteArraySerializer());
    }
}
