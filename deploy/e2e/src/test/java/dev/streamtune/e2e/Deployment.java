package dev.streamtune.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.deploy.Installations;
import dev.streamtune.deploy.Workload;
import dev.streamtune.e2e.StrimziAcls.Grant;
import dev.streamtune.kafka.token.DevTokenIssuer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;

/**
 * The trainer and the inference service of the dev overlay, as pods on a {@link SecuredKafka} under their
 * KafkaUsers, and the test's side of the flow: examples in, a retrain request, the live model, texts in, and reading
 * what came out.
 *
 * <p>What the test sets on top of the manifests (system properties, above the ConfigMaps and the environment): the
 * bootstrap address (the in-cluster name does not resolve here), free HTTP and management ports, a tiny training run
 * that publishes whatever its quality (the flow, not the model, is under test), and the drift monitor's window and
 * Kafka Streams' repartition purge in seconds instead of minutes, so that both happen within the test. REST security
 * stays on as deployed: the test's calls carry bearer tokens signed with the key whose public half is the
 * installer's Secret.
 */
final class Deployment implements AutoCloseable {

    static final String OVERLAY = "overlays/dev";
    static final Pattern AUTHORIZATION_ERROR = Pattern.compile("AuthorizationException|[Nn]ot authorized");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonSerde<ModelRegistryEvent> REGISTRY = JsonSerde.of(ModelRegistryEvent.class);
    private static final JsonSerde<MonitoringEvent> MONITORING = JsonSerde.of(MonitoringEvent.class);
    private static final JsonSerde<Prediction> PREDICTIONS = JsonSerde.of(Prediction.class);

    private final Installation installation;
    private final SecuredKafka kafka;
    private final Path work;
    private final Map<String, Path> claims;
    private final List<Pod> pods = new ArrayList<>();
    private final DevTokenIssuer tokens;
    private Pod trainer;
    private Pod inference;

    /**
     * @param claims the volumes of the installation's PersistentVolumeClaims; empty: new ones under {@code work}
     * @param operatorSecrets the Secrets the installer creates ({@link #operatorSecrets(String)})
     * @param tokens signs bearer tokens with the private key of the public one in {@code operatorSecrets}
     */
    Deployment(
            Installation installation,
            Predicate<Grant> keep,
            Path work,
            Map<String, Path> claims,
            Map<String, Map<String, String>> operatorSecrets,
            DevTokenIssuer tokens)
            throws IOException {
        this.installation = installation;
        this.tokens = tokens;
        this.work = Files.createDirectories(work);
        this.claims = new LinkedHashMap<>(claims);
        for (ObjectNode claim : installation.ofKind("PersistentVolumeClaim")) {
            String name = claim.at("/metadata/name").asText();
            if (!this.claims.containsKey(name)) {
                this.claims.put(
                        name, Files.createDirectories(work.resolve("volumes").resolve(name)));
            }
        }
        this.kafka = SecuredKafka.start(
                installation, List.of(trainerUser(installation), inferenceUser(installation)), keep, operatorSecrets);
    }

    static ObjectNode trainerUser(Installation installation) {
        return installation.kafkaUserOf(installation.statefulSet("trainer"), "SCRAM_JAAS_CONFIG");
    }

    static ObjectNode inferenceUser(Installation installation) {
        return installation.kafkaUserOf(installation.statefulSet("inference"), "SCRAM_JAAS_CONFIG");
    }

    /**
     * The Secrets the installer creates (deploy/kubernetes/README.md): the signing secret of the hmac-signing component
     * and the public key bearer tokens are verified with.
     */
    static Map<String, Map<String, String>> operatorSecrets(String jwtPublicKeyPem) {
        var secrets = new LinkedHashMap<String, Map<String, String>>();
        secrets.put("streamtune-signing", Map.of("hmac-secret", SecuredKafka.randomSecret()));
        secrets.put("streamtune-jwt-public", Map.of("jwt-public.pem", jwtPublicKeyPem));
        return secrets;
    }

    SecuredKafka kafka() {
        return kafka;
    }

    Map<String, Path> claims() {
        return Map.copyOf(claims);
    }

    Map<String, Map<String, String>> operatorSecrets() {
        return Map.of(
                "streamtune-signing", kafka.secrets().get("streamtune-signing"),
                "streamtune-jwt-public", kafka.secrets().get("streamtune-jwt-public"));
    }

    List<Pod> pods() {
        return List.copyOf(pods);
    }

    /** The model name the manifests give both services. */
    String model() {
        return workload("trainer").config("streamtune.trainer.model").orElseThrow();
    }

    Pod startTrainer() {
        Map<String, String> settings = commonSettings();
        // tiny and fast: one MiniLM layer, short sequences, one epoch; published whatever its quality
        settings.put("streamtune.trainer.training.layers", "1");
        settings.put("streamtune.trainer.training.max-length", "32");
        settings.put("streamtune.trainer.training.epochs", "1");
        settings.put("streamtune.trainer.training.batch-size", "16");
        settings.put("streamtune.trainer.gate.min-macro-f1", "0");
        settings.put("streamtune.trainer.gate.min-class-recall", "0");
        settings.put("streamtune.trainer.triggers.poll-interval", "PT0.5S");
        trainer = pod(
                "trainer",
                "trainer-service",
                // the image's JAVA_OPTS (trainer-service/pom.xml, Jib) has it; the StatefulSet sets none
                List.of("-Xmx1536m", "-Dai.djl.offline=true"),
                settings);
        return trainer.start();
    }

    Pod startInference() {
        Map<String, String> settings = commonSettings();
        settings.put("streamtune.drift.window", "2s");
        settings.put("streamtune.drift.grace", "1s");
        // Kafka Streams deletes consumed repartition records every 30 s by default: within the test, every second
        settings.put("kafka-streams.repartition.purge.interval.ms", "1000");
        // ... and reports a refused deletion only at DEBUG
        settings.put(
                "quarkus.log.category.\"org.apache.kafka.streams.processor.internals.TaskManager\".level", "DEBUG");
        inference = pod("inference", "inference-service", List.of("-Xmx768m"), settings);
        return inference.start();
    }

    private Map<String, String> commonSettings() {
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("kafka.bootstrap.servers", kafka.saslBootstrapServers());
        return settings;
    }

    private Pod pod(String component, String module, List<String> jvmOptions, Map<String, String> settings) {
        ObjectNode statefulSet = installation.statefulSet(component);
        String name = statefulSet.at("/metadata/name").asText() + "-0";
        Pod pod = new Pod(
                installation,
                statefulSet,
                0,
                kafka.secrets(),
                claims,
                work.resolve("pods").resolve(name),
                Installations.repositoryRoot().resolve(module + "/target/quarkus-app/quarkus-run.jar"),
                jvmOptions,
                settings,
                work.resolve("logs").resolve(name + ".log"));
        pods.add(pod);
        return pod;
    }

    // --- the test's side of the flow -------------------------------------------------------------------------------

    void sendExamples(List<LabeledExample> examples, String malformedKey) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        records.add(new ProducerRecord<>(examplesTopic(), utf8(malformedKey), utf8("not-json")));
        for (LabeledExample e : examples) {
            records.add(new ProducerRecord<>(examplesTopic(), utf8(e.id()), Json.write(e)));
        }
        Records.send(kafka.adminClientProperties(), records);
    }

    /** The trainer's {@code GET /trainer/status} with a viewer's token, or empty. */
    Optional<JsonNode> trainerStatus() {
        String role =
                workload("trainer").config("streamtune.security.roles.viewer").orElse("viewer");
        String body = trainer.apiGet("/trainer/status", tokens.mint("e2e-viewer", Duration.ofMinutes(5), role));
        if (body.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(JSON.readTree(body));
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    /**
     * Whether the trainer is ready and holds {@code examples} examples, having rejected {@code rejected} records (any
     * number when negative).
     */
    boolean datasetHolds(long examples, long rejected) {
        return trainerStatus()
                .filter(s -> s.path("ready").asBoolean())
                .map(s -> s.at("/dataset/examples").asLong() == examples
                        && (rejected < 0 || s.at("/dataset/rejected").asLong() == rejected))
                .orElse(false);
    }

    /** Whether Kafka Streams has deleted consumed records from each repartition topic (at least one exists). */
    boolean repartitionTopicsPurged() {
        var admin = kafka.broker().admin();
        try {
            List<String> topics = admin.listTopics().names().get(10, TimeUnit.SECONDS).stream()
                    .filter(t -> t.endsWith("-repartition"))
                    .toList();
            if (topics.isEmpty()) {
                return false;
            }
            for (var description : admin.describeTopics(topics)
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .values()) {
                Map<TopicPartition, OffsetSpec> earliest = new LinkedHashMap<>();
                description
                        .partitions()
                        .forEach(p -> earliest.put(
                                new TopicPartition(description.name(), p.partition()), OffsetSpec.earliest()));
                boolean purged = admin.listOffsets(earliest).all().get(10, TimeUnit.SECONDS).values().stream()
                        .anyMatch(o -> o.offset() > 0);
                if (!purged) {
                    return false;
                }
            }
            return true;
        } catch (ExecutionException | TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void requestRetrain() {
        var command = new TrainerCommand(
                SchemaVersions.CURRENT, TrainerCommand.Type.RETRAIN, model(), null, "e2e", "e2e test", Instant.now());
        Records.send(
                kafka.adminClientProperties(),
                List.of(new ProducerRecord<>(commandsTopic(), utf8(model()), Json.write(command))));
    }

    /** The LIVE record of the model on the models topic, if there is one. */
    Optional<ModelRegistryEvent> live() {
        ModelRegistryEvent live = null;
        for (ConsumerRecord<byte[], byte[]> r : read(modelsTopic())) {
            if (r.key() != null && new String(r.key(), StandardCharsets.UTF_8).equals(model())) {
                live = r.value() == null ? null : REGISTRY.deserialize(r.topic(), r.value());
            }
        }
        return Optional.ofNullable(live).filter(l -> l.status() == RegistryStatus.LIVE);
    }

    /** Every record of the models topic: what a second run replays instead of training again. */
    List<ConsumerRecord<byte[], byte[]>> registryRecords() {
        return read(modelsTopic());
    }

    void replay(List<ConsumerRecord<byte[], byte[]>> records) {
        List<ProducerRecord<byte[], byte[]>> copies = records.stream()
                .map(r -> new ProducerRecord<>(r.topic(), null, r.key(), r.value(), r.headers()))
                .toList();
        Records.send(kafka.adminClientProperties(), copies);
    }

    /** Sends texts (key {@code <prefix>-<n>}) and one that is not UTF-8 (key {@code <prefix>-malformed}). */
    List<String> sendTexts(String prefix, List<String> texts) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String key = prefix + "-" + i;
            keys.add(key);
            records.add(new ProducerRecord<>(textsTopic(), utf8(key), utf8(texts.get(i))));
        }
        records.add(new ProducerRecord<>(textsTopic(), utf8(prefix + "-malformed"), new byte[] {(byte) 0xff, 0x41}));
        Records.send(kafka.adminClientProperties(), records);
        return keys;
    }

    /** Committed predictions by key (a key more than once would show as a list longer than one). */
    Map<String, List<Prediction>> predictions() {
        Map<String, List<Prediction>> byKey = new LinkedHashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : read(predictionsTopic())) {
            byKey.computeIfAbsent(new String(r.key(), StandardCharsets.UTF_8), k -> new ArrayList<>())
                    .add(PREDICTIONS.deserialize(r.topic(), r.value()));
        }
        return byKey;
    }

    List<ConsumerRecord<byte[], byte[]>> review() {
        return read(reviewTopic());
    }

    List<MonitoringEvent> monitoring() {
        return read(monitoringTopic()).stream()
                .map(r -> MONITORING.deserialize(r.topic(), r.value()))
                .toList();
    }

    /** The dead letters' components ({@code trainer/dataset}, {@code inference/stream}), one per dead letter. */
    List<String> deadLetterComponents() {
        return read(dlqTopic()).stream()
                .map(r -> Optional.ofNullable(r.headers().lastHeader(DeadLetters.COMPONENT))
                        .map(Header::value)
                        .map(v -> new String(v, StandardCharsets.UTF_8))
                        .orElse("?"))
                .toList();
    }

    /** Log lines of a pod that report a refused authorization. */
    static List<String> authorizationErrors(Pod pod) {
        return pod.logText()
                .lines()
                .filter(l -> AUTHORIZATION_ERROR.matcher(l).find())
                .toList();
    }

    private List<ConsumerRecord<byte[], byte[]>> read(String topic) {
        return Records.readAll(kafka.adminClientProperties(), topic);
    }

    // topic names as the manifests configure the services (the catalogue's defaults unless they rename one)
    String examplesTopic() {
        return trainerTopic("examples", StreamtuneTopics.EXAMPLES_NAME);
    }

    String commandsTopic() {
        return trainerTopic("commands", StreamtuneTopics.COMMANDS_NAME);
    }

    String modelsTopic() {
        return trainerTopic("models", StreamtuneTopics.MODELS_NAME);
    }

    String monitoringTopic() {
        return trainerTopic("monitoring", StreamtuneTopics.MONITORING_NAME);
    }

    String dlqTopic() {
        return trainerTopic("dlq", StreamtuneTopics.DLQ_NAME);
    }

    String textsTopic() {
        return inferenceTopic("texts", StreamtuneTopics.TEXTS_NAME);
    }

    String predictionsTopic() {
        return inferenceTopic("predictions", StreamtuneTopics.PREDICTIONS_NAME);
    }

    String reviewTopic() {
        return inferenceTopic("review", StreamtuneTopics.REVIEW_NAME);
    }

    private String trainerTopic(String topic, String catalogueName) {
        return workload("trainer").config("streamtune.trainer.topics." + topic).orElse(catalogueName);
    }

    private String inferenceTopic(String topic, String catalogueName) {
        return workload("inference").config("streamtune.topics." + topic).orElse(catalogueName);
    }

    private Workload workload(String component) {
        return Workload.of(installation.objects(), component).get(0);
    }

    /** Stops the pods (SIGTERM, or SIGKILL at once when {@code graceful} is false) and the broker. */
    void close(boolean graceful) {
        for (Pod pod : pods) {
            try {
                if (graceful) {
                    pod.stop(Duration.ofSeconds(20));
                } else {
                    pod.close();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        kafka.close();
    }

    @Override
    public void close() {
        close(true);
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
