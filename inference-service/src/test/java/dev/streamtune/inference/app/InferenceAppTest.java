package dev.streamtune.inference.app;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.deploy.Installations;
import dev.streamtune.deploy.MonitoringQueries;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TinyModelTestResource;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.quarkus.EmbeddedKafkaTestResource;
import dev.streamtune.kafka.quarkus.InjectEmbeddedKafka;
import dev.streamtune.kafka.quarkus.InjectTokenIssuer;
import dev.streamtune.kafka.quarkus.JwtTestResource;
import dev.streamtune.kafka.token.DevTokenIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The application against the embedded broker, serving a tiny model from a directory given in config. */
@QuarkusTest
@WithTestResource(EmbeddedKafkaTestResource.class)
@WithTestResource(TinyModelTestResource.class)
@WithTestResource(JwtTestResource.class)
class InferenceAppTest {

    @InjectEmbeddedKafka
    EmbeddedKafkaBroker kafka;

    @InjectTokenIssuer
    DevTokenIssuer tokens;

    @TestHTTPResource(value = "/", management = true)
    URL management;

    @BeforeEach
    void awaitReady() {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(
                        () -> onManagement().get("/q/health/ready").then().statusCode(200));
    }

    private RequestSpecification asClient() {
        return given().auth().oauth2(tokens.mint("app-test", Duration.ofMinutes(5), "client"));
    }

    private RequestSpecification onManagement() {
        return given().baseUri("http://localhost").port(management.getPort());
    }

    @Test
    void shouldBeReadyWithTheModelLoadedAndKafkaReachable() {
        onManagement()
                .when()
                .get("/q/health/ready")
                .then()
                .statusCode(200)
                .body("checks.find { it.name == 'model' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'model' }.data.version", equalTo(1))
                .body("checks.find { it.name == 'kafka-broker' }.status", equalTo("UP"))
                .body("checks.find { it.name == 'kafka-broker' }.data.nodes", containsString(":"));
        onManagement().when().get("/q/health/live").then().statusCode(200);
        given().when().get("/q/health/ready").then().statusCode(404); // not on the API port
    }

    @Test
    void shouldClassifyTextsOverRest() {
        asClient()
                .contentType(ContentType.JSON)
                .body("{\"texts\": [\"Win a free cruise now\", \"Meeting moved to Tuesday\"]}")
                .when()
                .post("/classify")
                .then()
                .statusCode(200)
                .body("model", equalTo(ServiceHarness.MODEL))
                .body("version", equalTo(1))
                .body("predictions", hasSize(2))
                .body("predictions[0].scores.size()", equalTo(2))
                .body("predictions[1].label", org.hamcrest.Matchers.in(List.of("ham", "spam")));
    }

    @Test
    void shouldRefuseAnInvalidRequest() {
        asClient()
                .contentType(ContentType.JSON)
                .body("{\"texts\": [\"fine\", \"   \"]}")
                .when()
                .post("/classify")
                .then()
                .statusCode(400)
                .body("details[0]", containsString("texts[1]: EMPTY_TEXT"));
        asClient()
                .contentType(ContentType.JSON)
                .body("{}")
                .when()
                .post("/classify")
                .then()
                .statusCode(400);
    }

    @Test
    void shouldClassifyTheStreamAndExposeMetrics() {
        List<ProducerRecord<byte[], byte[]>> texts = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            texts.add(new ProducerRecord<>(
                    StreamtuneTopics.TEXTS_NAME,
                    ("app-" + i).getBytes(StandardCharsets.UTF_8),
                    ("plain text number " + i).getBytes(StandardCharsets.UTF_8)));
        }
        KafkaTestSupport.send(kafka.clientProperties(), texts);
        JsonSerde<Prediction> serde = JsonSerde.of(Prediction.class);
        await().atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> assertThat(KafkaTestSupport.readAll(
                                kafka.clientProperties(), StreamtuneTopics.PREDICTIONS_NAME, true))
                        .extracting(r -> new String(r.key(), StandardCharsets.UTF_8))
                        .contains("app-0", "app-1", "app-2", "app-3", "app-4"));
        assertThat(KafkaTestSupport.readAll(kafka.clientProperties(), StreamtuneTopics.PREDICTIONS_NAME, true))
                .allSatisfy(
                        r -> assertThat(serde.deserialize(r.topic(), r.value()).version())
                                .isEqualTo(1L));

        onManagement()
                .when()
                .get("/q/metrics")
                .then()
                .statusCode(200)
                .body(containsString("streamtune_inference_model_version{model=\"spam-filter\"} 1.0"))
                .body(containsString("streamtune_inference_batch_size"))
                .body(containsString("streamtune_inference_latency_seconds_bucket"))
                .body(containsString("streamtune_inference_padding_ratio"))
                .body(containsString("streamtune_inference_records_total{outcome=\"predicted\"}"));
        // the alerts and the dashboard (deploy/kubernetes/base/monitoring) read only metrics the service exposes
        String scrape = onManagement().when().get("/q/metrics").asString();
        assertThat(MonitoringQueries.metricNames(Installations.kubernetesDir()))
                .anyMatch(n -> n.startsWith("streamtune_inference_"));
        assertThat(MonitoringQueries.missingFrom(scrape, "streamtune_inference_"))
                .isEmpty();
        onManagement().when().get("/q/openapi").then().statusCode(200).body(containsString("/classify"));
    }
}
