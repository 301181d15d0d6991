package dev.streamtune.trainer.rest;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;

import dev.streamtune.common.Samples;
import dev.streamtune.common.event.AuditEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.store.ArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.quarkus.EmbeddedKafkaTestResource;
import dev.streamtune.kafka.quarkus.InjectEmbeddedKafka;
import dev.streamtune.kafka.quarkus.InjectTokenIssuer;
import dev.streamtune.kafka.quarkus.JwtTestResource;
import dev.streamtune.kafka.token.DevTokenIssuer;
import dev.streamtune.trainer.TrainerService;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.net.URI;
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
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The trainer's REST API with real signed tokens (a key pair generated for the run): who may read, who may change,
 * what is refused with 401 or 403, and that every change is audited under the token's subject. The registry holds
 * published versions 1 to 4 (artifacts present, no training needed), v3 live, v1 below the floor, v4 revoked.
 */
@QuarkusTest
@WithTestResource(EmbeddedKafkaTestResource.class)
@WithTestResource(JwtTestResource.class)
@TestProfile(TrainerSecurityTest.FloorAndRevoked.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TrainerSecurityTest {

    private static final String MODEL = "streamtune-classifier";

    public static class FloorAndRevoked implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "streamtune.trainer.promotion.min-version", "2",
                    "streamtune.trainer.promotion.revoked-versions", "4");
        }
    }

    @InjectEmbeddedKafka
    EmbeddedKafkaBroker kafka;

    @InjectTokenIssuer
    DevTokenIssuer tokens;

    @Inject
    TrainerService trainer;

    @Inject
    ArtifactStore store;

    @BeforeEach
    void seedRegistry() throws Exception {
        await().atMost(Duration.ofSeconds(60)).until(trainer::ready);
        if (trainer.versions().size() == 4) {
            return;
        }
        try (var producer = new KafkaProducer<>(
                kafka.clientProperties(), new StringSerializer(), JsonSerde.of(ModelRegistryEvent.class))) {
            for (long v = 1; v <= 4; v++) {
                URI uri = store.uriOf(MODEL, v);
                Files.createDirectories(Path.of(uri));
                producer.send(new ProducerRecord<>(
                        StreamtuneTopics.MODELS_NAME,
                        ModelRegistryEvent.versionKey(MODEL, v),
                        record(v, RegistryStatus.PUBLISHED, uri)));
            }
            producer.send(new ProducerRecord<>(
                    StreamtuneTopics.MODELS_NAME,
                    ModelRegistryEvent.liveKey(MODEL),
                    record(3, RegistryStatus.LIVE, store.uriOf(MODEL, 3))));
        }
        await().atMost(Duration.ofSeconds(30))
                .until(() -> trainer.versions().size() == 4
                        && trainer.champion().map(c -> c.version() == 3).orElse(false));
    }

    @Test
    @Order(1)
    void shouldAnswer401WithoutAToken() {
        given().get("/trainer/status")
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .contentType(ContentType.JSON)
                .body("error", containsString("bearer token"));
        given().get("/trainer/models").then().statusCode(401);
        given().contentType(ContentType.JSON)
                .body("{}")
                .post("/trainer/train")
                .then()
                .statusCode(401);
        given().contentType(ContentType.JSON)
                .body("{}")
                .post("/trainer/models/2/promote")
                .then()
                .statusCode(401);
        given().contentType(ContentType.JSON)
                .body("{}")
                .post("/trainer/rollback")
                .then()
                .statusCode(401);
    }

    @Test
    @Order(2)
    void shouldAnswer401ToExpiredForeignOrWrongAudienceTokens() {
        Instant now = Instant.now();
        String expired = tokens.mint("alice", List.of("operator"), now.minusSeconds(3600), now.minusSeconds(600));
        String wrongIssuer = tokens.withIssuer("someone-else").mint("alice", Duration.ofMinutes(5), "operator");
        String wrongAudience = tokens.withAudience("another-service").mint("alice", Duration.ofMinutes(5), "operator");
        String otherKey = DevTokenIssuer.withDefaults(
                        DevTokenIssuer.generateKeyPair().getPrivate())
                .mint("alice", Duration.ofMinutes(5), "operator");

        for (String token : List.of(expired, wrongIssuer, wrongAudience, otherKey)) {
            given().auth().oauth2(token).get("/trainer/status").then().statusCode(401);
            given().auth()
                    .oauth2(token)
                    .contentType(ContentType.JSON)
                    .body("{}")
                    .post("/trainer/rollback")
                    .then()
                    .statusCode(401);
        }
        assertThat(trainer.champion().orElseThrow().version()).isEqualTo(3);
    }

    @Test
    @Order(3)
    void shouldLetAViewerReadButAnswer403ToEveryChange() {
        as("bob", "viewer").get("/trainer/status").then().statusCode(200).body("ready", equalTo(true));
        as("bob", "viewer").get("/trainer/models").then().statusCode(200).body("size()", equalTo(4));
        as("bob", "viewer")
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/trainer/train")
                .then()
                .statusCode(403);
        as("bob", "viewer")
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/trainer/models/2/promote")
                .then()
                .statusCode(403);
        as("bob", "viewer")
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/trainer/rollback")
                .then()
                .statusCode(403);
        // the inference client role reads nothing here
        as("carol", "client").get("/trainer/status").then().statusCode(403);

        assertThat(trainer.champion().orElseThrow().version()).isEqualTo(3);
        assertThat(trainer.scheduler().state().pending()).isNull();
    }

    @Test
    @Order(4)
    void shouldRefuseRevokedAndBelowFloorVersionsWithAClearError() {
        as("alice", "operator")
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/trainer/models/4/promote")
                .then()
                .statusCode(409)
                .contentType(ContentType.JSON)
                .body("error", containsString("v4 is revoked"));
        as("alice", "operator")
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/trainer/models/1/promote")
                .then()
                .statusCode(409)
                .body("error", containsString("v1 is below the promotion floor v2"));

        assertThat(trainer.champion().orElseThrow().version()).isEqualTo(3);
    }

    @Test
    @Order(5)
    void shouldLetAnOperatorRollBackAndPromoteAndAuditItUnderTheTokenSubject() {
        // the body's requestedBy is not who did it: the token says so
        as("alice", "operator")
                .contentType(ContentType.JSON)
                .body("{\"requestedBy\":\"mallory\",\"reason\":\"bad predictions\"}")
                .post("/trainer/rollback")
                .then()
                .statusCode(200)
                .body("version", equalTo(2));
        await().atMost(Duration.ofSeconds(30))
                .until(() -> trainer.champion().orElseThrow().version() == 2);
        // nothing older than v2 may go live: v1 is below the floor
        as("alice", "operator")
                .contentType(ContentType.JSON)
                .body("{}")
                .post("/trainer/rollback")
                .then()
                .statusCode(409)
                .body("error", containsString("below the promotion floor"));
        as("alice", "operator")
                .contentType(ContentType.JSON)
                .body("{\"reason\":\"fixed\"}")
                .post("/trainer/models/3/promote")
                .then()
                .statusCode(200)
                .body("version", equalTo(3));
        as("alice", "operator")
                .contentType(ContentType.JSON)
                .body("{\"reason\":\"new labels\"}")
                .post("/trainer/train")
                .then()
                .statusCode(202)
                .body("requestedBy", equalTo("alice"));

        ModelRegistryEvent live = liveRecord();
        assertThat(live.version()).isEqualTo(3);
        assertThat(live.reasons()).anyMatch(r -> r.contains("by alice"));
        List<AuditEvent> audit = awaitAudit(6);
        assertThat(audit).allSatisfy(e -> {
            assertThat(e.actor()).isEqualTo("alice");
            assertThat(e.model()).isEqualTo(MODEL);
        });
        assertThat(audit)
                .extracting(AuditEvent::action, AuditEvent::version, AuditEvent::outcome)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("promote", 4L, AuditEvent.REFUSED),
                        org.assertj.core.groups.Tuple.tuple("promote", 1L, AuditEvent.REFUSED),
                        org.assertj.core.groups.Tuple.tuple("rollback", 2L, AuditEvent.ACCEPTED),
                        org.assertj.core.groups.Tuple.tuple("rollback", null, AuditEvent.REFUSED),
                        org.assertj.core.groups.Tuple.tuple("promote", 3L, AuditEvent.ACCEPTED),
                        org.assertj.core.groups.Tuple.tuple("train", null, AuditEvent.ACCEPTED));
        assertThat(audit.get(2).previousVersion()).isEqualTo(3L);
        assertThat(audit.get(2).reason()).isEqualTo("bad predictions");
        assertThat(audit.get(0).message()).contains("revoked");
        assertThat(audit).allSatisfy(e -> assertThat(e.ts()).isNotNull());
    }

    // --- helpers ---------------------------------------------------------------------------------------------

    private RequestSpecification as(String subject, String role) {
        return given().auth().oauth2(tokens.mint(subject, Duration.ofMinutes(5), role));
    }

    private static ModelRegistryEvent record(long version, RegistryStatus status, URI uri) {
        ModelRegistryEvent sample = Samples.registryEvent();
        return new ModelRegistryEvent(
                sample.schemaVersion(),
                MODEL,
                version,
                status,
                uri.toString(),
                sample.manifestSha256(),
                sample.signature(),
                sample.manifest(),
                false,
                List.of(),
                Instant.now());
    }

    private ModelRegistryEvent liveRecord() {
        ModelRegistryEvent live = null;
        JsonSerde<ModelRegistryEvent> serde = JsonSerde.of(ModelRegistryEvent.class);
        for (ConsumerRecord<String, byte[]> r : readAll(StreamtuneTopics.MODELS_NAME)) {
            if (ModelRegistryEvent.liveKey(MODEL).equals(r.key()) && r.value() != null) {
                live = serde.deserialize(r.topic(), r.value());
            }
        }
        return live;
    }

    private List<AuditEvent> awaitAudit(int atLeast) {
        List<AuditEvent> events = new ArrayList<>();
        await().atMost(Duration.ofSeconds(30)).until(() -> {
            events.clear();
            JsonSerde<MonitoringEvent> serde = JsonSerde.of(MonitoringEvent.class);
            for (ConsumerRecord<String, byte[]> r : readAll(StreamtuneTopics.MONITORING_NAME)) {
                if (serde.deserialize(r.topic(), r.value()) instanceof AuditEvent audit) {
                    events.add(audit);
                }
            }
            return events.size() >= atLeast;
        });
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
            int idle = 0;
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
}
