package dev.streamtune.trainer.it;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.greaterThanOrEqualTo;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.event.ValidationEvent;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.store.ArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.deploy.Installations;
import dev.streamtune.deploy.MonitoringQueries;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.quarkus.EmbeddedKafkaTestResource;
import dev.streamtune.kafka.quarkus.InjectEmbeddedKafka;
import dev.streamtune.kafka.quarkus.InjectTokenIssuer;
import dev.streamtune.kafka.quarkus.JwtTestResource;
import dev.streamtune.kafka.token.DevTokenIssuer;
import dev.streamtune.trainer.TestExamples;
import dev.streamtune.trainer.TrainerService;
import dev.streamtune.trainer.dataset.Split;
import dev.streamtune.trainer.dataset.SplitAssigner;
import dev.streamtune.trainer.support.HeadlessChromium;
import dev.streamtune.trainer.trigger.TrainerState;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jsoup.Jsoup;
import org.jsoup.nodes.Document;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The trainer application against a real in-process broker with tiny training settings: examples in → a verifiable
 * model published and live; a correction and a deletion change the next run's data; a poisoned candidate is rejected
 * and the champion stays live; a rollback makes the older version live again.
 */
@QuarkusTest
@WithTestResource(EmbeddedKafkaTestResource.class)
@WithTestResource(JwtTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainerFlowTest {

    private static final String MODEL = "streamtune-classifier";
    private static final Duration RUN_TIMEOUT = Duration.ofMinutes(4);

    @InjectEmbeddedKafka
    EmbeddedKafkaBroker kafka;

    @InjectTokenIssuer
    DevTokenIssuer tokens;

    @TestHTTPResource(value = "/", management = true)
    URL management;

    @TestHTTPResource("/console/index.html")
    URL console;

    @Inject
    TrainerService trainer;

    @Inject
    ArtifactStore store;

    @Inject
    ManifestSigner signer;

    @ConfigProperty(name = "quarkus.kafka-streams.application-id")
    String applicationId;

    @ConfigProperty(name = "streamtune.trainer.dataset.validation-fraction")
    double validationFraction;

    @ConfigProperty(name = "streamtune.trainer.dataset.test-fraction")
    double testFraction;

    @ConfigProperty(name = "streamtune.trainer.dataset.split-salt")
    String splitSalt;

    @Test
    @Order(8)
    void shouldExposeEveryMetricTheAlertsAndDashboardRead() {
        // deploy/kubernetes/base/monitoring; after the runs above, every meter has been registered
        String scrape = onManagement().get("/q/metrics").asString();
        assertThat(MonitoringQueries.metricNames(Installations.kubernetesDir()))
                .anyMatch(n -> n.startsWith("streamtune_trainer_"));
        assertThat(MonitoringQueries.missingFrom(scrape, "streamtune_trainer_")).isEmpty();
    }

    @Test
    @Order(1)
    void shouldBeReadyWithHealthMetricsAndOpenApi() {
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(
                        () -> onManagement().get("/q/health/ready").then().statusCode(200));
        onManagement()
                .get("/q/health/ready")
                .then()
                .body(containsString("trainer-dataset"))
                .body("checks.find { it.name == 'kafka-broker' }.status", equalTo("UP"));
        onManagement()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("streamtune_trainer_dataset_examples"));
        onManagement().get("/q/openapi").then().statusCode(200).body(containsString("/trainer/status"));
        // the API port serves none of them
        given().get("/q/health/ready").then().statusCode(404);
        given().get("/q/metrics").then().statusCode(404);
        as("viewer").get("/trainer/status").then().statusCode(200).body("ready", equalTo(true));
    }

    @Test
    @Order(1)
    void shouldRunAKafkaStreamsApplicationOfItsOwnModel() throws Exception {
        // a second model's trainer must not join this one's group; its KafkaUser's prefix ACLs name this id
        assertThat(applicationId).isEqualTo("streamtune-trainer-" + MODEL);
        await().atMost(Duration.ofSeconds(60))
                .untilAsserted(() -> assertThat(kafka.admin().listGroups().all().get())
                        .extracting(org.apache.kafka.clients.admin.GroupListing::groupId)
                        .contains(applicationId));
    }

    @Test
    @Order(2)
    void shouldPublishAVerifiableModelFromExamples() throws Exception {
        List<LabeledExample> examples = TestExamples.dataset("ex", 80);
        send(examples);
        send(List.of(), List.of("not-json"));
        awaitExamples(80);

        TrainerState.Run run = trainAndAwait("first model");

        assertThat(run.outcome()).isEqualTo("PUBLISHED");
        assertThat(run.version()).isEqualTo(1);
        ModelRegistryEvent live = awaitRegistry(MODEL).get(MODEL);
        assertThat(live.status()).isEqualTo(RegistryStatus.LIVE);
        assertThat(live.version()).isEqualTo(1);
        ModelRegistryEvent published = awaitRegistry(MODEL + "/v1").get(MODEL + "/v1");
        assertThat(published.status()).isEqualTo(RegistryStatus.PUBLISHED);
        assertThat(kafka.admin().listTransactions().all().get())
                .extracting(org.apache.kafka.clients.admin.TransactionListing::transactionalId)
                .contains(TrainerService.registryTransactionalId(applicationId))
                .allMatch(id -> !id.startsWith("streamtune-trainer-") || id.startsWith(applicationId));

        Path fetched = Files.createTempDirectory("fetched");
        store.fetch(URI.create(live.uri()), fetched.resolve("v1"));
        ModelManifest manifest = new ArtifactVerifier(signer).verify(fetched.resolve("v1"), live.manifestSha256());
        assertThat(manifest.labels()).containsExactlyInAnyOrder("ham", "spam");
        assertThat(manifest.lineage().splitCounts().values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .isEqualTo(80);
        assertThat(manifest.lineage().offsets()).isNotEmpty();
        assertThat(manifest.baselines().labelPrior()).containsKeys("ham", "spam");
        assertThat(manifest.baselines().tokenLength().fractions().stream()
                        .mapToDouble(Double::doubleValue)
                        .sum())
                .isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(manifest.selfChecks()).isNotEmpty();
        assertThat(manifest.validationMetrics().macroF1()).isGreaterThanOrEqualTo(0.6);
        // the int8 graph is sealed with the rest and scored on the same test split as the float one
        ModelVariant int8 = manifest.variants().get(ModelVariant.INT8);
        assertThat(manifest.files()).containsKey(int8.file());
        assertThat(int8.testMetrics().examples())
                .isEqualTo(manifest.testMetrics().examples());
        assertThat(int8.selfChecks())
                .extracting(SelfCheck::text)
                .containsExactlyElementsOf(
                        manifest.selfChecks().stream().map(SelfCheck::text).toList());
        assertThat(trainer.datasetStats().rejected()).isEqualTo(1);
    }

    @Test
    @Order(3)
    void shouldTrainOnACorrectionAndNotOnADeletedExample() throws Exception {
        ModelManifest before = awaitRegistry(MODEL).get(MODEL).manifest();
        // ex-0 is spam: relabel it ham; ex-1 (ham) is deleted
        send(List.of(
                LabeledExample.of("ex-0", TestExamples.dataset("ex", 1).get(0).text(), "ham")));
        sendTombstone("ex-1");
        await().atMost(Duration.ofSeconds(30))
                .until(() -> trainer.datasetStats().total() == 79);

        assertThat(trainer.snapshot().ids()).doesNotContain("ex-1").contains("ex-0");
        TrainerState.Run run = trainAndAwait("correction and deletion");

        assertThat(run.outcome()).isIn("PUBLISHED", "REJECTED");
        ModelRegistryEvent record = awaitRegistry(MODEL + "/v2").get(MODEL + "/v2");
        var after = record.manifest().lineage();
        String split0 = split("ex-0").id();
        String split1 = split("ex-1").id();
        assertThat(after.splitCounts().values().stream()
                        .mapToLong(Long::longValue)
                        .sum())
                .isEqualTo(79);
        Map<String, Map<String, Long>> was = before.lineage().labelCounts();
        Map<String, Map<String, Long>> now = after.labelCounts();
        long expectedSpam0 = was.get(split0).getOrDefault("spam", 0L) - 1;
        assertThat(now.get(split0).getOrDefault("spam", 0L)).isEqualTo(expectedSpam0);
        long expectedHam1 = was.get(split1).getOrDefault("ham", 0L) - 1 + (split0.equals(split1) ? 1 : 0);
        assertThat(now.get(split1).getOrDefault("ham", 0L)).isEqualTo(expectedHam1);
        assertThat(after.offsets().get(0).toOffset())
                .isGreaterThan(before.lineage().offsets().get(0).toOffset());
    }

    @Test
    @Order(4)
    void shouldRejectAWorseCandidateAndKeepTheChampionLive() throws Exception {
        long championVersion = awaitRegistry(MODEL).get(MODEL).version();
        // poison the training split: every training label flipped, validation and test untouched
        List<LabeledExample> poisoned = new ArrayList<>();
        for (LabeledExample e : TestExamples.dataset("ex", 80)) {
            if (!e.id().equals("ex-1") && !e.id().equals("ex-0") && split(e.id()) == Split.TRAIN) {
                poisoned.add(LabeledExample.of(e.id(), e.text(), e.label().equals("spam") ? "ham" : "spam"));
            }
        }
        long changesBefore = trainer.datasetStats().changeCount();
        send(poisoned);
        await().atMost(Duration.ofSeconds(30))
                .until(() -> trainer.datasetStats().changeCount() == changesBefore + poisoned.size());

        TrainerState.Run run = awaitNextRun(() -> sendCommand(new TrainerCommand(
                SchemaVersions.CURRENT,
                TrainerCommand.Type.RETRAIN,
                MODEL,
                null,
                "test",
                "poisoned labels",
                Instant.now())));

        assertThat(run.trigger()).isEqualTo("manual");
        assertThat(run.outcome()).isEqualTo("REJECTED");
        Map<String, ModelRegistryEvent> registry = awaitRegistry(MODEL + "/v" + run.version());
        ModelRegistryEvent rejected = registry.get(MODEL + "/v" + run.version());
        assertThat(rejected.status()).isEqualTo(RegistryStatus.REJECTED);
        assertThat(rejected.reasons()).anyMatch(r -> r.contains("macro-F1"));
        assertThat(registry.get(MODEL).version()).isEqualTo(championVersion);
        assertThat(store.exists(store.uriOf(MODEL, run.version()))).isFalse();
        List<ValidationEvent> validations = validationEvents();
        assertThat(validations)
                .anyMatch(v -> v.candidateVersion() == run.version() && !v.accepted() && v.championVersion() != null);
    }

    @Test
    @Order(5)
    void shouldRollBackToAnOlderPublishedVersion() {
        long live = awaitRegistry(MODEL).get(MODEL).version();
        if (live < 2) {
            return; // v2 was rejected in the correction test: nothing older to roll back to than v1 itself
        }
        as("operator")
                .contentType("application/json")
                .body("{\"requestedBy\":\"test\",\"reason\":\"bad predictions\"}")
                .post("/trainer/rollback")
                .then()
                .statusCode(200)
                .body("version", equalTo(1));
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            ModelRegistryEvent now = readRegistry().get(MODEL);
            assertThat(now.version()).isEqualTo(1);
            assertThat(now.rollback()).isTrue();
        });
    }

    @Test
    @Order(6)
    void shouldRefuseToPromoteARejectedOrUnknownVersion() {
        as("operator")
                .contentType("application/json")
                .body("{}")
                .post("/trainer/models/99/promote")
                .then()
                .statusCode(404);
        as("viewer").get("/trainer/models").then().statusCode(200).body("size()", org.hamcrest.Matchers.greaterThan(1));
    }

    @Test
    @Order(7)
    void shouldRetrainOnADriftAlertOnlyOnceWithinTheCoolDown() {
        AlertEvent alert = new AlertEvent(
                SchemaVersions.CURRENT, MODEL, "inference-0", Instant.now(), 1L, "drift", "warning", "label PSI 0.31");

        TrainerState.Run run = awaitNextRun(() -> sendMonitoring(alert));

        assertThat(run.trigger()).isEqualTo("drift");
        sendMonitoring(alert);
        sendMonitoring(alert);
        await().pollDelay(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> true);
        assertThat(trainer.scheduler().state().pending()).isNull();
        assertThat(trainer.scheduler().active()).isEmpty();
        assertThat(trainer.scheduler().state().lastRun().runId()).isEqualTo(run.runId());
    }

    @Test
    @Order(9)
    void shouldShowTheModelsHistoryInTheConsole() throws Exception {
        HeadlessChromium browser = HeadlessChromium.require();
        // the console follows the monitoring topic in the background: wait until it has read the runs above
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> as("viewer")
                .get("/trainer/console/history")
                .then()
                .statusCode(200)
                .body("history.caughtUp", equalTo(true))
                .body("history.validations.size()", greaterThanOrEqualTo(2))
                .body("history.epochsByRun.size()", greaterThanOrEqualTo(2)));
        given().get("/trainer/console/history").then().statusCode(401);
        String token = tokens.mint("test-viewer", Duration.ofMinutes(10), "viewer");
        String url = console + "#token=" + token;

        Document page = Jsoup.parse(browser.dumpDom(url, 15_000));

        assertThat(page.body().attr("data-state")).isEqualTo("ready");
        long live = readRegistry().get(MODEL).version();
        assertThat(page.select("#versions tbody tr.live").text()).startsWith("v" + live + " ");
        assertThat(page.select("#versions tbody tr.rejected").text()).contains("macro-F1");
        assertThat(page.select("#version-select option[selected]").text()).isEqualTo("v" + live + " (LIVE)");
        for (String chart :
                List.of("timeline-chart", "loss-chart", "accuracy-chart", "confusion-chart", "per-class-chart")) {
            org.jsoup.nodes.Element drawn = page.getElementById(chart);
            assertThat(Integer.parseInt(drawn.attr("data-points"))).as(chart).isPositive();
            assertThat(drawn.attr("data-painted")).as(chart).isEqualTo("true");
        }
        assertThat(page.select("#calibration").text()).contains("expected calibration error");
        assertThat(page.select("#events tbody").text()).contains("alert: drift").contains("gate: rejected");
        Path png = Path.of("target/console/console.png");
        browser.screenshot(url, 15_000, png);
        assertThat(Files.size(png)).isGreaterThan(20_000);

        // without a token the page asks for one and shows nothing
        Document anonymous = Jsoup.parse(browser.dumpDom(console.toString(), 5_000));
        assertThat(anonymous.body().attr("data-state")).isEqualTo("unauthorized");
        assertThat(anonymous.getElementById("login").hasAttr("hidden")).isFalse();
        assertThat(anonymous.select("#versions tbody tr")).isEmpty();
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    /** A request with a token for a caller named after, and holding, {@code role}. */
    private RequestSpecification as(String role) {
        return given().auth().oauth2(tokens.mint("test-" + role, Duration.ofMinutes(10), role));
    }

    private RequestSpecification onManagement() {
        return given().baseUri("http://localhost").port(management.getPort());
    }

    private Split split(String id) {
        return new SplitAssigner(validationFraction, testFraction, splitSalt).splitOf(id);
    }

    private TrainerState.Run trainAndAwait(String reason) {
        return awaitNextRun(() -> as("operator")
                .contentType("application/json")
                .body("{\"requestedBy\":\"test\",\"reason\":\"" + reason + "\"}")
                .post("/trainer/train")
                .then()
                .statusCode(202));
    }

    private TrainerState.Run awaitNextRun(Runnable trigger) {
        String previous = trainer.scheduler().state().lastRun() == null
                ? null
                : trainer.scheduler().state().lastRun().runId();
        trigger.run();
        await().atMost(RUN_TIMEOUT).pollInterval(Duration.ofMillis(500)).until(() -> {
            TrainerState.Run last = trainer.scheduler().state().lastRun();
            return last != null
                    && !last.runId().equals(previous)
                    && trainer.scheduler().active().isEmpty();
        });
        return trainer.scheduler().state().lastRun();
    }

    private void awaitExamples(long n) {
        await().atMost(Duration.ofSeconds(60))
                .until(() -> trainer.ready() && trainer.datasetStats().total() == n);
    }

    private void send(List<LabeledExample> examples) throws Exception {
        send(examples, List.of());
    }

    private void send(List<LabeledExample> examples, List<String> raw) throws Exception {
        try (var producer = producer()) {
            for (LabeledExample e : examples) {
                producer.send(new ProducerRecord<>(StreamtuneTopics.EXAMPLES_NAME, utf8(e.id()), Json.write(e)));
            }
            for (String r : raw) {
                producer.send(new ProducerRecord<>(StreamtuneTopics.EXAMPLES_NAME, utf8("raw"), utf8(r)));
            }
            producer.flush();
        }
    }

    private void sendCommand(TrainerCommand command) {
        try (var producer = producer()) {
            producer.send(new ProducerRecord<>(StreamtuneTopics.COMMANDS_NAME, utf8(MODEL), Json.write(command)));
        }
    }

    private void sendMonitoring(MonitoringEvent event) {
        try (var producer = producer()) {
            producer.send(new ProducerRecord<>(
                    StreamtuneTopics.MONITORING_NAME,
                    utf8(MODEL),
                    JsonSerde.of(MonitoringEvent.class).serialize("m", event)));
        }
    }

    private void sendTombstone(String id) throws Exception {
        try (var producer = producer()) {
            producer.send(new ProducerRecord<>(StreamtuneTopics.EXAMPLES_NAME, utf8(id), null))
                    .get();
        }
    }

    private KafkaProducer<byte[], byte[]> producer() {
        return new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer());
    }

    private Map<String, ModelRegistryEvent> awaitRegistry(String key) {
        Map<String, ModelRegistryEvent>[] holder = new Map[1];
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            holder[0] = readRegistry();
            return holder[0].containsKey(key);
        });
        return holder[0];
    }

    private Map<String, ModelRegistryEvent> readRegistry() {
        Map<String, ModelRegistryEvent> latest = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : readAll(StreamtuneTopics.MODELS_NAME)) {
            latest.put(
                    r.key(),
                    r.value() == null
                            ? null
                            : JsonSerde.of(ModelRegistryEvent.class).deserialize("m", r.value()));
        }
        return latest;
    }

    private List<ValidationEvent> validationEvents() {
        List<ValidationEvent> events = new ArrayList<>();
        for (ConsumerRecord<String, byte[]> r : readAll(StreamtuneTopics.MONITORING_NAME)) {
            MonitoringEvent e = JsonSerde.of(MonitoringEvent.class).deserialize("m", r.value());
            if (e instanceof ValidationEvent v) {
                events.add(v);
            }
        }
        return events;
    }

    private List<ConsumerRecord<String, byte[]>> readAll(String topic) {
        Map<String, Object> config = new HashMap<>(kafka.clientProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(topic));
            long idle = 0;
            while (idle < 3) {
                var batch = consumer.poll(Duration.ofMillis(500));
                if (batch.isEmpty()) {
                    idle++;
                } else {
                    idle = 0;
                    batch.forEach(records::add);
                }
            }
        }
        return records;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
