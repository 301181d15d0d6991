package dev.streamtune.inference.app;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasSize;

import dev.streamtune.inference.support.TinyModelTestResource;
import dev.streamtune.kafka.quarkus.EmbeddedKafkaTestResource;
import dev.streamtune.kafka.quarkus.InjectTokenIssuer;
import dev.streamtune.kafka.quarkus.JwtTestResource;
import dev.streamtune.kafka.token.DevTokenIssuer;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayInputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /classify} with real signed tokens (a key pair generated for the run) and small limits: who may
 * classify (401, 403), the per-client rate limit (429 with Retry-After), the body cap (413) and the text count, each
 * refusal a JSON error.
 */
@QuarkusTest
@WithTestResource(EmbeddedKafkaTestResource.class)
@WithTestResource(TinyModelTestResource.class)
@WithTestResource(JwtTestResource.class)
@TestProfile(ClassifySecurityTest.SmallLimits.class)
class ClassifySecurityTest {

    private static final String ONE_TEXT = "{\"text\": \"Win a free cruise now\"}";

    public static class SmallLimits implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of(
                    "streamtune.rest.rate-limit.requests", "3",
                    "streamtune.rest.rate-limit.period", "1m",
                    "streamtune.rest.max-body-bytes", "2048",
                    "streamtune.rest.max-texts", "4",
                    "streamtune.stream.enabled", "false");
        }
    }

    @InjectTokenIssuer
    DevTokenIssuer tokens;

    @TestHTTPResource(value = "/", management = true)
    URL management;

    @BeforeEach
    void awaitModel() {
        await().atMost(Duration.ofSeconds(90))
                .pollInterval(Duration.ofMillis(500))
                .untilAsserted(() -> given().baseUri("http://localhost")
                        .port(management.getPort())
                        .get("/q/health/ready")
                        .then()
                        .statusCode(200));
    }

    @Test
    void shouldAnswer401WithoutAValidToken() {
        Instant now = Instant.now();
        classify(given(), ONE_TEXT)
                .then()
                .statusCode(401)
                .header("WWW-Authenticate", "Bearer")
                .contentType(ContentType.JSON)
                .body("error", containsString("bearer token"));
        for (String token : List.of(
                tokens.mint("expired", List.of("client"), now.minusSeconds(3600), now.minusSeconds(600)),
                tokens.withIssuer("someone-else").mint("foreign", Duration.ofMinutes(5), "client"),
                tokens.withAudience("another-service").mint("elsewhere", Duration.ofMinutes(5), "client"),
                DevTokenIssuer.withDefaults(DevTokenIssuer.generateKeyPair().getPrivate())
                        .mint("forged", Duration.ofMinutes(5), "client"),
                "not-a-jwt")) {
            classify(given().auth().oauth2(token), ONE_TEXT)
                    .then()
                    .statusCode(401)
                    .contentType(ContentType.JSON);
        }
    }

    @Test
    void shouldAnswer403ToATokenWithoutTheClientRole() {
        classify(as("an-operator", "operator", "viewer"), ONE_TEXT)
                .then()
                .statusCode(403)
                .contentType(ContentType.JSON)
                .body("error", containsString("role"));
    }

    @Test
    void shouldRateLimitEachClientOnItsOwnWith429AndRetryAfter() {
        for (int i = 0; i < 3; i++) {
            classify(as("busy-client", "client"), ONE_TEXT).then().statusCode(200);
        }
        classify(as("busy-client", "client"), ONE_TEXT)
                .then()
                .statusCode(429)
                .contentType(ContentType.JSON)
                .header("Retry-After", org.hamcrest.Matchers.matchesPattern("[1-9][0-9]*"))
                .body("error", containsString("rate limit"));
        // another client is not held back by the first
        classify(as("quiet-client", "client"), ONE_TEXT).then().statusCode(200).body("predictions", hasSize(1));
    }

    @Test
    void shouldAnswer413WithJsonToAnOversizedBodyDeclaredOrStreamed() {
        String big = "{\"text\": \"" + "a".repeat(4000) + "\"}";
        classify(as("big-sender", "client"), big)
                .then()
                .statusCode(413)
                .contentType(ContentType.JSON)
                .body("error", containsString("larger than 2048 bytes"));
        // no Content-Length (chunked): cut off while reading
        as("chunked-sender", "client")
                .contentType(ContentType.JSON)
                .body(new ByteArrayInputStream(big.getBytes(StandardCharsets.UTF_8)))
                .post("/classify")
                .then()
                .statusCode(413)
                .contentType(ContentType.JSON)
                .body("error", containsString("larger than 2048 bytes"));
    }

    @Test
    void shouldRefuseTooManyTextsAndMalformedJsonWithJson() {
        classify(as("many-texts", "client"), "{\"texts\": [\"a\", \"b\", \"c\", \"d\", \"e\"]}")
                .then()
                .statusCode(400)
                .contentType(ContentType.JSON)
                .body("error", equalTo("5 texts, at most 4 per request (streamtune.rest.max-texts)"));
        classify(as("bad-json", "client"), "{\"texts\": [")
                .then()
                .statusCode(400)
                .contentType(ContentType.JSON)
                .body("error", containsString("malformed JSON"));
    }

    private RequestSpecification as(String subject, String... roles) {
        return given().auth().oauth2(tokens.mint(subject, Duration.ofMinutes(5), roles));
    }

    private static io.restassured.response.Response classify(RequestSpecification request, String body) {
        return request.contentType(ContentType.JSON).body(body).post("/classify");
    }
}
