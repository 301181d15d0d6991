package dev.streamtune.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.common.event.DriftEvent;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.SwapEvent;
import dev.streamtune.common.event.TrainingProgressEvent;
import dev.streamtune.common.event.ValidationEvent;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.e2e.StrimziAcls.Grant;
import dev.streamtune.kafka.demo.SupportTickets;
import dev.streamtune.kafka.token.DevTokenIssuer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.GroupListing;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The packaged trainer and inference service end to end as their KafkaUsers: a broker with SASL_SSL/SCRAM and the
 * standard authorizer (nothing allowed without an ACL), the users and ACLs read from the rendered KafkaUser manifests
 * (dev overlay), the services configured by their rendered StatefulSets and ConfigMaps (SCRAM JAAS from the user's
 * Secret, the cluster CA as a PEM file at its mounted path). Examples → a model LIVE → texts → predictions, review
 * items, dead letters, swap and drift events: every topic, group, transactional id and internal topic the services use
 * must be granted, and everything the broker then knows of them lies within what their KafkaUsers grant.
 *
 * <p>Then the same flow without one ACL binding at a time: it must fail, with an authorization error in the log of the
 * service whose binding is gone. A trainer binding is tried on the trainer's half (examples → LIVE), an inference one
 * on the inference service's half with the first run's models records replayed (model → predictions, drift).
 * {@code streamtune.e2e.removals=quick} (the default) removes a representative set, {@code all} ({@code -Pacl-removal})
 * every binding; the results are printed as a table and written to {@code target/e2e/acl-removal.md}.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaAclEndToEndIT {

    static final Path WORK = Path.of("target", "e2e").toAbsolutePath();
    static final int EXAMPLES = 48;
    static final int TEXTS = 16;
    /** After the first authorization error, how long the flow may still complete before it counts as failed. */
    static final Duration AFTER_ERROR = Duration.ofSeconds(15);

    private static Installation installation;
    private static Baseline baseline;
    private static DevTokenIssuer tokens;
    private static String jwtPublicKey;
    /** The test's own Kafka clients (a reader per poll) at WARN; java.util.logging holds loggers weakly. */
    private static final java.util.logging.Logger CLIENT_LOGS =
            java.util.logging.Logger.getLogger("org.apache.kafka.clients");

    private static final List<String> REMOVALS = Collections.synchronizedList(new ArrayList<>());

    /** What the removal checks reuse from the complete run: the model's artifacts, signing secret and records. */
    private record Baseline(
            Map<String, Path> claims,
            Map<String, Map<String, String>> operatorSecrets,
            List<ConsumerRecord<byte[], byte[]>> registry) {}

    @BeforeAll
    static void render() throws IOException {
        CLIENT_LOGS.setLevel(java.util.logging.Level.WARNING);
        installation();
        Deployment.deleteQuietly(WORK);
        // the installer's token key pair: the public key goes into the Secret streamtune-jwt-public
        Path keys = Files.createDirectories(WORK.resolve("jwt"));
        DevTokenIssuer.writeKeyPair(DevTokenIssuer.generateKeyPair(), keys);
        jwtPublicKey = Files.readString(keys.resolve(DevTokenIssuer.PUBLIC_KEY_FILE));
        ObjectNode jwt = installation.named("ConfigMap", "streamtune-jwt");
        tokens = new DevTokenIssuer(
                DevTokenIssuer.readPrivateKey(keys.resolve(DevTokenIssuer.PRIVATE_KEY_FILE)),
                jwt.at("/data/issuer").asText(),
                jwt.at("/data/audiences").asText().split(",")[0]);
    }

    @AfterAll
    static void report() throws IOException {
        if (REMOVALS.isEmpty()) {
            return;
        }
        String table = "| removed binding | service | flow | first authorization error | s |\n|---|---|---|---|---|\n"
                + String.join("\n", REMOVALS) + "\n";
        System.out.println("\nACL removal check\n" + table);
        Files.createDirectories(WORK);
        Files.writeString(WORK.resolve("acl-removal.md"), table);
    }

    @Test
    @Order(1)
    void shouldRunExamplesToPredictionsAsTheManifestsKafkaUsers() throws Exception {
        baseline();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("removals")
    @Order(2)
    void shouldFailWithoutTheBinding(Grant removed) throws Exception {
        Baseline complete = baseline();
        boolean trainerSide = removed.user().equals(StrimziAcls.name(Deployment.trainerUser(installation)));
        long started = System.nanoTime();
        Path work = WORK.resolve("removal-" + removed.user() + "-" + removed.entry() + "-" + removed.operation());
        // the trainer's half gets a store of its own; the inference's fetches the first run's model
        Deployment deployment = new Deployment(
                installation,
                g -> !g.equals(removed),
                work,
                trainerSide ? Map.of() : complete.claims(),
                trainerSide ? Deployment.operatorSecrets(jwtPublicKey) : complete.operatorSecrets(),
                tokens);
        try {
            Pod pod;
            Stage stage;
            if (trainerSide) {
                pod = deployment.startTrainer();
                stage = trainerHalf(deployment, new Watch(pod, true));
            } else {
                deployment.replay(complete.registry());
                pod = deployment.startInference();
                stage = inferenceHalf(deployment, new Watch(pod, true));
            }
            List<String> errors = Deployment.authorizationErrors(pod);
            REMOVALS.add("| " + removed + " | " + pod.name() + " | "
                    + (stage.completed() ? "completed" : "stopped at " + stage.name()) + " | "
                    + (errors.isEmpty() ? "none" : "`" + shorten(errors.get(0)) + "`") + " | "
                    + seconds(started) + " |");
            assertThat(stage.completed())
                    .as("the flow without " + removed + " (see " + pod.log() + ")")
                    .isFalse();
            assertThat(errors)
                    .as("authorization errors in " + pod.log() + " without " + removed)
                    .isNotEmpty();
        } finally {
            deployment.close(false);
        }
    }

    static Stream<Named<Grant>> removals() {
        Installation rendered = installation();
        List<Grant> grants = new ArrayList<>();
        grants.addAll(StrimziAcls.grants(Deployment.trainerUser(rendered)));
        grants.addAll(StrimziAcls.grants(Deployment.inferenceUser(rendered)));
        boolean all = "all".equals(System.getProperty("streamtune.e2e.removals", "quick"));
        return (all ? grants : representative(grants)).stream().map(g -> Named.of(g.toString(), g));
    }

    /**
     * One binding per kind of resource, each missing in its own way: a literal topic (the trainer's examples: without
     * the start-up topic check, Kafka Streams would only say it waits for the topic to be created), a transactional id
     * (the trainer's exactly-once producer cannot start), a group (the inference service's consumers cannot join),
     * the internal-topic prefix (the drift monitor's repartition records are never deleted, which Kafka Streams
     * reports only at DEBUG). The full loop ({@code -Pacl-removal}) shows every other binding failing one of these
     * ways; in every build it would take about 13 minutes instead of 2.
     */
    static List<Grant> representative(List<Grant> grants) {
        List<String> chosen = List.of(
                "trainer TOPIC streamtune.examples READ",
                "trainer TRANSACTIONAL_ID streamtune-trainer- WRITE",
                "inference GROUP streamtune-inference- READ",
                "inference TOPIC streamtune-inference- DELETE");
        List<Grant> representative = new ArrayList<>();
        for (String wanted : chosen) {
            String[] w = wanted.split(" ");
            Grant grant = grants.stream()
                    .filter(g -> g.user().endsWith(w[0])
                            && g.binding().pattern().resourceType().name().equals(w[1])
                            && g.binding().pattern().name().startsWith(w[2])
                            && g.operation().equals(w[3]))
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no binding " + wanted + " in the KafkaUsers"));
            representative.add(grant);
        }
        return representative;
    }

    // --- the complete run ------------------------------------------------------------------------------------------

    private static synchronized Baseline baseline() throws Exception {
        if (baseline != null) {
            return baseline;
        }
        long started = System.nanoTime();
        Deployment deployment = new Deployment(
                installation,
                g -> true,
                WORK.resolve("baseline"),
                Map.of(),
                Deployment.operatorSecrets(jwtPublicKey),
                tokens);
        try {
            SecuredKafka kafka = deployment.kafka();
            assertAuthorizerRefusesWhatNoAclGrants(deployment);

            Pod trainer = deployment.startTrainer();
            Pod inference = deployment.startInference();
            // the manifests' wiring: SCRAM JAAS from the user's Secret, the cluster CA at the mounted path
            assertThat(trainer.environment().get("SCRAM_JAAS_CONFIG"))
                    .contains("username=\"" + StrimziAcls.name(Deployment.trainerUser(installation)) + "\"");
            assertThat(inference.environment().get("SCRAM_JAAS_CONFIG"))
                    .contains("username=\"" + StrimziAcls.name(Deployment.inferenceUser(installation)) + "\"");
            assertThat(trainer.hostPath("/etc/streamtune/kafka-ca/ca.crt")).isRegularFile();
            assertThat(inference.hostPath("/etc/streamtune/kafka-ca/ca.crt")).isRegularFile();

            Stage trained = trainerHalf(deployment, new Watch(trainer, false));
            assertThat(trained.completed())
                    .as("trainer reached " + trained.name())
                    .isTrue();
            ModelRegistryEvent live = deployment.live().orElseThrow();
            assertThat(live.version()).isEqualTo(1);
            System.out.printf("e2e: model v%d live after %d s%n", live.version(), seconds(started));
            Stage served = inferenceHalf(deployment, new Watch(inference, false));
            assertThat(served.completed())
                    .as("inference reached " + served.name())
                    .isTrue();
            System.out.printf("e2e: flow complete after %d s%n", seconds(started));

            Map<String, List<Prediction>> predictions = deployment.predictions();
            assertThat(predictions).hasSize(2 * TEXTS);
            assertThat(predictions.values()).allSatisfy(p -> assertThat(p).hasSize(1));
            assertThat(predictions.values())
                    .allSatisfy(p -> assertThat(p.get(0).version()).isEqualTo(1));
            assertThat(deployment.deadLetterComponents())
                    .containsExactlyInAnyOrder("trainer/dataset", "inference/stream", "inference/stream");
            List<MonitoringEvent> monitoring = deployment.monitoring();
            assertThat(monitoring).anyMatch(TrainingProgressEvent.class::isInstance);
            assertThat(monitoring)
                    .anyMatch(e -> e instanceof DriftEvent d && d.instance().equals(inference.name()));
            for (Pod pod : deployment.pods()) {
                assertThat(Deployment.authorizationErrors(pod)).as(pod.name()).isEmpty();
                assertThat(pod.health("/q/health/ready"))
                        .as(pod.name() + " ready")
                        .isEqualTo(200);
                assertThat(pod.health("/q/health/live"))
                        .as(pod.name() + " live")
                        .isEqualTo(200);
            }
            assertEverythingUsedIsGranted(kafka);
            System.out.printf("e2e: done in %d s%n", seconds(started));
            baseline = new Baseline(deployment.claims(), deployment.operatorSecrets(), deployment.registryRecords());
            return baseline;
        } finally {
            deployment.close(true);
        }
    }

    /**
     * The trainer's half: examples (and a malformed one) in, a retrain request, a model LIVE on the models topic; then
     * a restart, after which the trainer is ready again with its dataset.
     */
    private static Stage trainerHalf(Deployment deployment, Watch watch) {
        List<LabeledExample> examples = SupportTickets.generate(EXAMPLES, 11, "ex");
        deployment.sendExamples(examples, "ex-malformed");
        if (!watch.until("dataset", Duration.ofSeconds(150), () -> deployment.datasetHolds(EXAMPLES, 1))) {
            return new Stage("dataset", false);
        }
        deployment.requestRetrain();
        boolean live = watch.until(
                "model live",
                Duration.ofSeconds(180),
                () -> deployment.live().isPresent()
                        && deployment.deadLetterComponents().contains("trainer/dataset")
                        && deployment.monitoring().stream().anyMatch(ValidationEvent.class::isInstance));
        if (!live) {
            return new Stage("model live", false);
        }
        // a restart (the container's, same volumes): the dataset restored from its changelog, the state topic read
        try {
            watch.pod().stop(Duration.ofSeconds(30));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
        watch.pod().start();
        boolean restarted = watch.until(
                "restarted",
                Duration.ofSeconds(120),
                () -> watch.pod().health("/q/health/ready") == 200 && deployment.datasetHolds(EXAMPLES, -1));
        return new Stage("restarted", restarted);
    }

    /**
     * The inference service's half: the LIVE model in service, texts (and a malformed one) in twice, the second time
     * past the drift window: predictions, review items, dead letters, the swap, a drift record, and the drift
     * monitor's consumed repartition records deleted.
     */
    private static Stage inferenceHalf(Deployment deployment, Watch watch) throws InterruptedException {
        Pod inference = watch.pod();
        if (!watch.until(
                "model in service", Duration.ofSeconds(120), () -> inference.health("/q/health/ready") == 200)) {
            return new Stage("model in service", false);
        }
        List<String> keys = new ArrayList<>(deployment.sendTexts("t1", texts(TEXTS, 21)));
        if (!watch.until(
                "predictions",
                Duration.ofSeconds(60),
                () -> deployment.predictions().keySet().containsAll(keys))) {
            return new Stage("predictions", false);
        }
        // past the drift window and its grace: the next predictions close the first window
        Thread.sleep(3_500);
        keys.addAll(deployment.sendTexts("t2", texts(TEXTS, 22)));
        boolean done = watch.until("every output", Duration.ofSeconds(60), () -> {
            List<MonitoringEvent> monitoring = deployment.monitoring();
            return deployment.predictions().keySet().containsAll(keys)
                    && deployment.deadLetterComponents().stream()
                                    .filter("inference/stream"::equals)
                                    .count()
                            == 2
                    && !deployment.review().isEmpty()
                    && monitoring.stream().anyMatch(e -> e instanceof SwapEvent s && s.toVersion() == 1)
                    && monitoring.stream().anyMatch(DriftEvent.class::isInstance)
                    && deployment.repartitionTopicsPurged();
        });
        return new Stage("every output", done);
    }

    /** How far a half came. */
    record Stage(String name, boolean completed) {}

    /**
     * Waits for a stage of the flow. With {@code stopOnAuthorizationError} it gives up once the pod has logged an
     * authorization error and the stage has still not been reached {@link #AFTER_ERROR} later, or once the pod exited.
     */
    record Watch(Pod pod, boolean stopOnAuthorizationError) {

        boolean until(String stage, Duration timeout, BooleanSupplier done) {
            long deadline = System.nanoTime() + timeout.toNanos();
            long firstError = 0;
            while (System.nanoTime() < deadline) {
                if (done.getAsBoolean()) {
                    return true;
                }
                if (!pod.isAlive()) {
                    System.out.printf("e2e: %s exited before %s%n", pod.name(), stage);
                    return done.getAsBoolean();
                }
                if (stopOnAuthorizationError) {
                    if (firstError == 0 && !Deployment.authorizationErrors(pod).isEmpty()) {
                        firstError = System.nanoTime();
                    }
                    if (firstError != 0 && System.nanoTime() - firstError > AFTER_ERROR.toNanos()) {
                        return false;
                    }
                }
                sleep(500);
            }
            System.out.printf("e2e: %s did not reach %s within %s (log %s)%n", pod.name(), stage, timeout, pod.log());
            return false;
        }
    }

    /** A user is refused what its ACLs do not grant: the authorizer is on and denies by default. */
    private static void assertAuthorizerRefusesWhatNoAclGrants(Deployment deployment) {
        SecuredKafka kafka = deployment.kafka();
        String user = StrimziAcls.name(Deployment.inferenceUser(installation));
        Map<String, Object> config = new HashMap<>(kafka.broker()
                .clientSecurityProperties(user, kafka.secrets().get(user).get("password")));
        config.put("max.block.ms", "10000");
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            assertThatThrownBy(() -> producer.send(new ProducerRecord<>(deployment.examplesTopic(), "k", "v"))
                            .get(20, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasCauseInstanceOf(TopicAuthorizationException.class);
        }
    }

    /**
     * What the broker knows of the services after the flow (groups, transactional ids, the topics they created), all
     * within what their KafkaUsers grant.
     */
    private static void assertEverythingUsedIsGranted(SecuredKafka kafka) throws Exception {
        var admin = kafka.broker().admin();
        List<String> groups = admin.listGroups().all().get().stream()
                .map(GroupListing::groupId)
                .sorted()
                .toList();
        List<String> transactionalIds = admin.listTransactions().all().get().stream()
                .map(TransactionListing::transactionalId)
                .sorted()
                .toList();
        List<String> declared =
                installation.topics().stream().map(NewTopic::name).toList();
        List<String> created = admin.listTopics().names().get().stream()
                .filter(t -> !declared.contains(t))
                .sorted()
                .toList();
        System.out.println("e2e: groups " + groups);
        System.out.println("e2e: transactional ids " + transactionalIds);
        System.out.println("e2e: topics the services created " + created);
        List<Grant> grants = kafka.granted();
        assertThat(groups).isNotEmpty().allSatisfy(g -> assertThat(covered(grants, ResourceType.GROUP, g))
                .as("group " + g)
                .isTrue());
        assertThat(transactionalIds).isNotEmpty().allSatisfy(t -> assertThat(
                        covered(grants, ResourceType.TRANSACTIONAL_ID, t))
                .as("transactional id " + t)
                .isTrue());
        assertThat(created).isNotEmpty().allSatisfy(t -> assertThat(covered(grants, ResourceType.TOPIC, t))
                .as("topic " + t)
                .isTrue());
    }

    private static boolean covered(List<Grant> grants, ResourceType type, String name) {
        return grants.stream()
                .map(g -> g.binding().pattern())
                .anyMatch(p -> p.resourceType() == type
                        && (p.patternType() == PatternType.PREFIXED
                                ? name.startsWith(p.name())
                                : name.equals(p.name())));
    }

    private static synchronized Installation installation() {
        if (installation == null) {
            installation = Installation.render(Deployment.OVERLAY);
        }
        return installation;
    }

    static List<String> texts(int count, long seed) {
        return SupportTickets.generate(count, seed, "text").stream()
                .map(LabeledExample::text)
                .toList();
    }

    private static String shorten(String logLine) {
        String line = logLine.replaceAll("^\\S+ \\S+ +", "").replace('|', '/').replace('`', '\'');
        return line.length() > 160 ? line.substring(0, 160) + "..." : line;
    }

    private static long seconds(long since) {
        return TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - since);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
