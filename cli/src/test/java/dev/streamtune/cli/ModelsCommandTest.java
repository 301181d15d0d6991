package dev.streamtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.streamtune.common.Samples;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

@WithEmbeddedKafka
class ModelsCommandTest {

    private static final String TOKEN = "header.payload.signature";

    @Test
    void shouldListEveryVersionWithItsMetricsAndWhichIsLive(EmbeddedKafkaBroker kafka) throws Exception {
        var v1 = version("support", 1, RegistryStatus.PUBLISHED, List.of());
        var v2 = version("support", 2, RegistryStatus.REJECTED, List.of("macro-F1 0.41 < 0.6"));
        var v3 = version("support", 3, RegistryStatus.PUBLISHED, List.of());
        var other = version("other-model", 1, RegistryStatus.PUBLISHED, List.of());
        var live3 = live(v3, false);
        var rollbackTo1 = live(v1, true);
        try (var producer = new KafkaProducer<>(
                new HashMap<>(kafka.clientProperties()),
                StreamtuneTopics.MODELS.keySerde().serializer(),
                StreamtuneTopics.MODELS.valueSerde().serializer())) {
            for (var e : List.of(v1, v2, v3, live3, other, rollbackTo1)) {
                producer.send(new ProducerRecord<>(StreamtuneTopics.MODELS_NAME, e.key(), e))
                        .get();
            }
        }

        var table = Cli.run("models", "list", "-b", kafka.bootstrapServers(), "--model", "support");
        var json = Cli.run("models", "list", "-b", kafka.bootstrapServers(), "--json");

        assertThat(table.exitCode()).as(table.err()).isZero();
        assertThat(table.lines()).hasSize(4);
        assertThat(table.lines().get(0)).contains("MODEL", "VERSION", "STATUS", "LIVE", "VAL_F1", "TEST_ACC");
        assertThat(table.lines().get(1)).contains("support", "1", "PUBLISHED", "LIVE (rollback)", "0.9320", "0.9400");
        assertThat(table.lines().get(2))
                .contains("2", "REJECTED", "macro-F1 0.41 < 0.6")
                .doesNotContain("LIVE");
        assertThat(table.lines().get(3)).contains("3", "PUBLISHED").doesNotContain("LIVE");
        assertThat(table.out()).doesNotContain("other-model");
        JsonNode rows = Json.mapper().readTree(json.out());
        assertThat(rows).hasSize(4);
        assertThat(rows.get(0).path("model").asText()).isEqualTo("other-model");
        assertThat(rows.get(0).path("live").asBoolean()).isFalse();
        assertThat(rows.get(1).path("live").asBoolean()).isTrue();
        assertThat(rows.get(1).path("rollback").asBoolean()).isTrue();
        assertThat(rows.get(1).path("validationMacroF1").asDouble()).isEqualTo(0.932);
    }

    private static ModelRegistryEvent version(String name, long version, RegistryStatus status, List<String> reasons) {
        var s = Samples.registryEvent();
        return new ModelRegistryEvent(
                1,
                name,
                version,
                status,
                s.uri(),
                s.manifestSha256(),
                s.signature(),
                s.manifest(),
                false,
                reasons,
                s.ts());
    }

    private static ModelRegistryEvent live(ModelRegistryEvent v, boolean rollback) {
        return new ModelRegistryEvent(
                1,
                v.name(),
                v.version(),
                RegistryStatus.LIVE,
                v.uri(),
                v.manifestSha256(),
                v.signature(),
                v.manifest(),
                rollback,
                List.of(),
                v.ts());
    }

    /** The trainer's REST API as TrainerResource serves it: paths, methods, bearer token, status codes. */
    static final class FakeTrainer implements AutoCloseable {
        record Call(String method, String path, String authorization, String body) {}

        final HttpServer server;
        final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();

        FakeTrainer() throws IOException {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            server.createContext("/trainer/", exchange -> {
                String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
                String method = exchange.getRequestMethod();
                String path = exchange.getRequestURI().getPath();
                String auth = exchange.getRequestHeaders().getFirst("Authorization");
                calls.add(new Call(method, path, auth, body));
                int status;
                Object answer;
                if (!("Bearer " + TOKEN).equals(auth)) {
                    status = 401;
                    answer = Map.of("error", "missing or invalid token");
                    exchange.getResponseHeaders().add("WWW-Authenticate", "Bearer");
                } else if (method.equals("GET") && path.equals("/trainer/status")) {
                    status = 200;
                    answer = Map.of(
                            "model",
                            "support",
                            "ready",
                            true,
                            "dataset",
                            Map.of("examples", 1200, "perSplit", Map.of("train", 960), "unseenChanges", 40),
                            "nextRun",
                            "after 60 more changes",
                            "champion",
                            Map.of("version", 3, "validationMacroF1", 0.93));
                } else if (method.equals("POST") && path.equals("/trainer/train")) {
                    status = 202;
                    answer = Map.of("reason", "manual", "requestedBy", "alice");
                } else if (method.equals("POST") && path.equals("/trainer/models/3/promote")) {
                    status = 200;
                    answer = Map.of("version", 3, "status", "PUBLISHED", "live", true);
                } else if (method.equals("POST") && path.equals("/trainer/models/9/promote")) {
                    status = 409;
                    answer = Map.of("error", "version 9 was rejected");
                } else if (method.equals("POST") && path.equals("/trainer/rollback")) {
                    status = 200;
                    answer = Map.of("version", 2, "status", "PUBLISHED", "live", true, "rollback", true);
                } else {
                    status = 404;
                    answer = Map.of("error", "no such endpoint: " + method + " " + path);
                }
                byte[] bytes = Json.write(answer);
                exchange.getResponseHeaders().add("Content-Type", "application/json");
                exchange.sendResponseHeaders(status, bytes.length);
                exchange.getResponseBody().write(bytes);
                exchange.close();
            });
            server.start();
        }

        String url() {
            return "http://127.0.0.1:" + server.getAddress().getPort();
        }

        @Override
        public void close() {
            server.stop(0);
        }
    }

    FakeTrainer trainer;

    @BeforeEach
    void startTrainer() throws IOException {
        trainer = new FakeTrainer();
    }

    @AfterEach
    void stopTrainer() {
        trainer.close();
    }

    @Test
    void shouldAskTheTrainerToTrainPromoteAndRollBackWithTheToken() {
        var train = Cli.run("models", "train", "--trainer-url", trainer.url(), "--token", TOKEN, "--reason", "manual");
        var promote = Cli.run("models", "promote", "3", "--trainer-url", trainer.url(), "--token", TOKEN);
        var rollback = Cli.run("models", "rollback", "--trainer-url", trainer.url(), "--token", TOKEN, "--json");

        assertThat(train.exitCode()).as(train.err()).isZero();
        assertThat(train.out()).contains("training requested");
        assertThat(promote.exitCode()).as(promote.err()).isZero();
        assertThat(promote.out()).contains("version 3 is LIVE");
        assertThat(rollback.exitCode()).as(rollback.err()).isZero();
        assertThat(rollback.out()).contains("\"rollback\":true");
        assertThat(trainer.calls)
                .extracting(FakeTrainer.Call::method, FakeTrainer.Call::path)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("POST", "/trainer/train"),
                        org.assertj.core.groups.Tuple.tuple("POST", "/trainer/models/3/promote"),
                        org.assertj.core.groups.Tuple.tuple("POST", "/trainer/rollback"));
        assertThat(trainer.calls.peek().body()).isEqualTo("{\"reason\":\"manual\"}");
    }

    @Test
    void shouldShowTheTrainerStatus() {
        var status = Cli.run("models", "status", "--trainer-url", trainer.url(), "--token", TOKEN);

        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(status.out())
                .contains("model:     support", "1200 examples", "40 changes since the last run", "after 60 more")
                .contains("champion:  v3 (validation macro-F1 0.93)");
        assertThat(trainer.calls).extracting(FakeTrainer.Call::method).containsExactly("GET");
    }

    @Test
    void shouldExitWithDistinctCodesForABadTokenARefusalAndNoTrainer() throws Exception {
        var noToken = Cli.run("models", "status", "--trainer-url", trainer.url());
        var wrongToken = Cli.run("models", "train", "--trainer-url", trainer.url(), "--token", "forged");
        var conflict = Cli.run("models", "promote", "9", "--trainer-url", trainer.url(), "--token", TOKEN);
        String url = trainer.url();
        trainer.close();
        var down = Cli.run("models", "status", "--trainer-url", url, "--token", TOKEN, "--timeout", "3s");

        assertThat(noToken.exitCode()).isEqualTo(ExitCodes.DENIED);
        assertThat(noToken.err()).contains("401", "--token or STREAMTUNE_TOKEN");
        assertThat(wrongToken.exitCode()).isEqualTo(ExitCodes.DENIED);
        assertThat(conflict.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(conflict.err()).contains("409", "version 9 was rejected");
        assertThat(down.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(down.err()).contains("does not answer");
    }

    @Test
    void shouldReadTheTokenFromAFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        var file = java.nio.file.Files.writeString(dir.resolve("token"), TOKEN + "\n");

        var status = Cli.run("models", "status", "--trainer-url", trainer.url(), "--token-file", file.toString());

        assertThat(status.exitCode()).as(status.err()).isZero();
        assertThat(trainer.calls.peek().authorization()).isEqualTo("Bearer " + TOKEN);
    }
}
