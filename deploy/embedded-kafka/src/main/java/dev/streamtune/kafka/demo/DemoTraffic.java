package dev.streamtune.kafka.demo;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.token.DevTokenIssuer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Drives the local demo against running services: labelled support tickets into the examples topic, a training run
 * requested from the trainer once its dataset holds them, the new live model awaited on the models topic, then fresh
 * tickets (and two malformed records) into the texts topic, and every prediction and dead letter read back. Prints
 * what happened at each step and a summary; exits non-zero when a step fails or times out. The trainer's API needs a
 * bearer token with the operator role: {@code --token-key} signs one with the demo's development key.
 */
@Command(
        name = "streamtune-demo",
        mixinStandardHelpOptions = true,
        description =
                "Sends demo traffic through a running broker, trainer and inference service and checks the result.")
public final class DemoTraffic implements Callable<Integer> {

    @Option(
            names = "--bootstrap-servers",
            defaultValue = "localhost:9092",
            description = "Kafka (default ${DEFAULT-VALUE}).")
    String bootstrap;

    @Option(names = "--trainer-url", defaultValue = "http://localhost:8080", description = "Trainer REST base URL.")
    URI trainerUrl;

    @Option(
            names = "--token-key",
            description = "Private key (PEM) the trainer trusts: the demo signs itself an operator token with it.")
    Path tokenKey;

    @Option(
            names = "--token",
            description = "A bearer token with the operator role (instead of --token-key); env STREAMTUNE_TOKEN.",
            defaultValue = "${env:STREAMTUNE_TOKEN}")
    String token;

    @Option(
            names = "--model",
            defaultValue = "streamtune-classifier",
            description = "Model name (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--examples", defaultValue = "400", description = "Labelled tickets to train on.")
    int examples;

    @Option(names = "--texts", defaultValue = "200", description = "Unseen tickets to classify.")
    int texts;

    @Option(names = "--seed", defaultValue = "7", description = "Seed of the generated tickets.")
    long seed;

    @Option(names = "--timeout", defaultValue = "PT20M", description = "Longest wait for any one step (ISO-8601).")
    Duration timeout;

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    public static void main(String[] args) {
        System.exit(new CommandLine(new DemoTraffic()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (tokenKey != null) {
            token = DevTokenIssuer.withDefaults(DevTokenIssuer.readPrivateKey(tokenKey))
                    .mint("demo", timeout.plusHours(1), "operator");
        }
        long liveBefore = liveVersion();
        say("model '%s': live version before the demo: %s", model, liveBefore < 0 ? "none" : "v" + liveBefore);

        List<LabeledExample> train = SupportTickets.generate(examples, seed, "demo-ticket");
        send(StreamtuneTopics.EXAMPLES.name(), train, LabeledExample::id, JsonSerde.of(LabeledExample.class));
        say("sent %d labelled tickets %s to %s", train.size(), SupportTickets.LABELS, StreamtuneTopics.EXAMPLES.name());

        JsonNode status = awaitDataset(train.size());
        say(
                "trainer dataset: %s examples, per split %s",
                status.at("/dataset/examples"), status.at("/dataset/perSplit"));
        post("/trainer/train", Map.of("requestedBy", "demo", "reason", "demo tickets loaded"));
        say("training requested (POST /trainer/train); waiting for a live version after %s ...", liveBefore);

        ModelRegistryEvent live = awaitLive(liveBefore);
        JsonNode summary = summary(live.version());
        say(
                "v%d is LIVE: labels %s, validation macro-F1 %s, test macro-F1 %s (%s)",
                live.version(),
                live.manifest().labels(),
                metric(summary, "validationMacroF1"),
                metric(summary, "testMacroF1"),
                live.uri());

        Map<TopicPartition, Long> predictionsEnd = endOffsets(StreamtuneTopics.PREDICTIONS.name());
        Map<TopicPartition, Long> dlqEnd = endOffsets(StreamtuneTopics.DLQ.name());
        List<LabeledExample> unseen = SupportTickets.generate(
                texts, seed + 1, "demo-text-" + Instant.now().toEpochMilli());
        Map<String, String> truth = new LinkedHashMap<>();
        unseen.forEach(t -> truth.put(t.id(), t.label()));
        List<TextInput> inputs = new ArrayList<>();
        for (LabeledExample t : unseen) {
            inputs.add(new TextInput(0, t.id(), t.text(), Map.of("source", "demo")));
        }
        send(StreamtuneTopics.TEXTS.name(), inputs, TextInput::id, JsonSerde.of(TextInput.class));
        Map<String, byte[]> malformed = Map.of(
                "demo-bad-json-" + seed, "{\"text\": \"unterminated".getBytes(StandardCharsets.UTF_8),
                "demo-empty-" + seed, "{\"text\": \"   \"}".getBytes(StandardCharsets.UTF_8));
        sendRaw(StreamtuneTopics.TEXTS.name(), malformed);
        say(
                "sent %d unseen tickets and %d malformed records to %s",
                inputs.size(), malformed.size(), StreamtuneTopics.TEXTS.name());

        Map<String, Prediction> predictions = awaitPredictions(predictionsEnd, truth.keySet());
        Map<String, String> deadLetters = awaitDeadLetters(dlqEnd, malformed.keySet());
        return summarize(truth, unseen, predictions, deadLetters, live.version());
    }

    private int summarize(
            Map<String, String> truth,
            List<LabeledExample> unseen,
            Map<String, Prediction> predictions,
            Map<String, String> deadLetters,
            long liveVersion) {
        int correct = 0;
        Map<Long, Integer> byVersion = new TreeMap<>();
        List<Long> latencies = new ArrayList<>();
        for (var p : predictions.values()) {
            if (p.label().equals(truth.get(p.id()))) {
                correct++;
            }
            byVersion.merge(p.version(), 1, Integer::sum);
            latencies.add(p.latencyMs());
        }
        latencies.sort(Long::compare);
        say("sample predictions:");
        for (LabeledExample t : unseen.subList(0, Math.min(5, unseen.size()))) {
            Prediction p = predictions.get(t.id());
            if (p != null) {
                say("  %-9s %.3f (truth %-9s)  %s", p.label(), p.confidence(), t.label(), t.text());
            }
        }
        for (var dead : deadLetters.entrySet()) {
            say("dead letter %s: %s", dead.getKey(), dead.getValue());
        }
        say(
                "summary: %d/%d predictions (exactly one each), accuracy %.3f on unseen tickets, by version %s, "
                        + "service latency p50 %s ms; %d/2 malformed records in %s",
                predictions.size(),
                truth.size(),
                predictions.isEmpty() ? 0.0 : (double) correct / predictions.size(),
                byVersion,
                latencies.isEmpty() ? "-" : latencies.get(latencies.size() / 2),
                deadLetters.size(),
                StreamtuneTopics.DLQ.name());
        boolean ok =
                predictions.size() == truth.size() && deadLetters.size() == 2 && byVersion.containsKey(liveVersion);
        say(ok ? "demo OK" : "demo FAILED");
        return ok ? 0 : 1;
    }

    // ---- trainer REST ----

    private long liveVersion() throws IOException, InterruptedException {
        JsonNode status = awaitTrainerReady();
        JsonNode champion = status.path("champion");
        return champion.isObject() ? champion.path("version").asLong(-1) : -1;
    }

    private JsonNode awaitTrainerReady() throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            try {
                JsonNode status = get("/trainer/status");
                if (status.path("ready").asBoolean()) {
                    return status;
                }
            } catch (IOException e) {
                if (Instant.now().isAfter(deadline)) {
                    throw new IOException("the trainer at " + trainerUrl + " did not answer: " + e.getMessage(), e);
                }
            }
            checkDeadline(deadline, "the trainer to become ready");
            Thread.sleep(1000);
        }
    }

    private JsonNode awaitDataset(int atLeast) throws IOException, InterruptedException {
        Instant deadline = Instant.now().plus(timeout);
        while (true) {
            JsonNode status = awaitTrainerReady();
            if (status.at("/dataset/examples").asLong() >= atLeast) {
                return status;
            }
            checkDeadline(deadline, "the trainer's dataset to hold " + atLeast + " examples");
            Thread.sleep(500);
        }
    }

    /** The trainer's summary of {@code version} (validation and test metrics, reasons), or an empty node. */
    private JsonNode summary(long version) throws IOException, InterruptedException {
        for (JsonNode m : get("/trainer/models")) {
            if (m.path("version").asLong() == version) {
                return m;
            }
        }
        return Json.mapper().createObjectNode();
    }

    private static String metric(JsonNode summary, String field) {
        return summary.hasNonNull(field)
                ? String.format("%.3f", summary.path(field).asDouble())
                : "-";
    }

    private JsonNode get(String path) throws IOException, InterruptedException {
        HttpRequest request = authorized(HttpRequest.newBuilder(trainerUrl.resolve(path)))
                .timeout(Duration.ofSeconds(10))
                .GET()
                .build();
        return exchange(request);
    }

    private JsonNode post(String path, Object body) throws IOException, InterruptedException {
        HttpRequest request = authorized(HttpRequest.newBuilder(trainerUrl.resolve(path)))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.write(body)))
                .build();
        return exchange(request);
    }

    private HttpRequest.Builder authorized(HttpRequest.Builder builder) {
        return token == null || token.isBlank() ? builder : builder.header("Authorization", "Bearer " + token);
    }

    private JsonNode exchange(HttpRequest request) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() == 401 || response.statusCode() == 403) {
            // not retried: waiting does not make a token valid
            throw new IllegalStateException(request.method() + " " + request.uri() + " answered "
                    + response.statusCode() + ": give --token-key <the private key the trainer trusts> or --token"
                    + " <a token with the operator role>");
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException(request.method() + " " + request.uri() + " answered " + response.statusCode() + ": "
                    + response.body());
        }
        return Json.mapper().readTree(response.body().isEmpty() ? "{}" : response.body());
    }

    // ---- Kafka ----

    private <T> void send(String topic, List<T> values, Function<T, String> key, JsonSerde<T> serde) {
        try (var producer = new KafkaProducer<>(producerConfig(), new StringSerializer(), serde.serializer())) {
            for (T value : values) {
                producer.send(new ProducerRecord<>(topic, key.apply(value), value));
            }
            producer.flush();
        }
    }

    private void sendRaw(String topic, Map<String, byte[]> values) {
        try (var producer = new KafkaProducer<>(producerConfig(), new StringSerializer(), new ByteArraySerializer())) {
            values.forEach((key, value) -> producer.send(new ProducerRecord<>(topic, key, value)));
            producer.flush();
        }
    }

    private Properties producerConfig() {
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        return p;
    }

    private KafkaConsumer<String, byte[]> consumer() {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer());
    }

    private Map<TopicPartition, Long> endOffsets(String topic) {
        try (var consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            return consumer.endOffsets(partitions);
        }
    }

    private ModelRegistryEvent awaitLive(long after) throws IOException {
        String topic = StreamtuneTopics.MODELS.name();
        JsonSerde<ModelRegistryEvent> serde = JsonSerde.of(ModelRegistryEvent.class);
        Instant deadline = Instant.now().plus(timeout);
        Instant nextStatus = Instant.now();
        try (var consumer = consumer()) {
            List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                    .map(info -> new TopicPartition(topic, info.partition()))
                    .toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            while (true) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (r.value() == null || !model.equals(r.key()) && !r.key().startsWith(model + "/")) {
                        continue;
                    }
                    ModelRegistryEvent event = serde.deserialize(topic, r.value());
                    if (event.version() > after
                            && event.status() == RegistryStatus.LIVE
                            && r.key().equals(model)) {
                        return event;
                    }
                    if (event.version() > after && event.status() == RegistryStatus.REJECTED) {
                        throw new IOException("v" + event.version() + " was rejected: " + event.reasons());
                    }
                }
                if (Instant.now().isAfter(nextStatus)) {
                    progress();
                    nextStatus = Instant.now().plusSeconds(15);
                }
                checkDeadline(deadline, "a live model after v" + after);
            }
        }
    }

    private void progress() {
        try {
            JsonNode status = get("/trainer/status");
            JsonNode progress = status.path("progress");
            if (progress.isObject()) {
                say("  training: %s", progress);
            } else if (status.path("running").isObject()) {
                say("  training: %s", status.path("running"));
            }
        } catch (IOException | InterruptedException e) {
            say("  (trainer status unavailable: %s)", e.getMessage());
        }
    }

    private Map<String, Prediction> awaitPredictions(Map<TopicPartition, Long> from, Set<String> ids)
            throws IOException {
        JsonSerde<Prediction> serde = JsonSerde.of(Prediction.class);
        Map<String, Prediction> seen = new HashMap<>();
        Map<String, Integer> copies = new HashMap<>();
        Instant deadline = Instant.now().plus(timeout);
        try (var consumer = consumer()) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            while (seen.size() < ids.size()) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (ids.contains(r.key())) {
                        seen.put(r.key(), serde.deserialize(r.topic(), r.value()));
                        copies.merge(r.key(), 1, Integer::sum);
                    }
                }
                if (Instant.now().isAfter(deadline)) {
                    say("only %d of %d predictions arrived in %s", seen.size(), ids.size(), timeout);
                    break;
                }
            }
        }
        long duplicates = copies.values().stream().filter(n -> n > 1).count();
        if (duplicates > 0) {
            throw new IOException(duplicates + " inputs got more than one prediction");
        }
        return seen;
    }

    private Map<String, String> awaitDeadLetters(Map<TopicPartition, Long> from, Set<String> keys) {
        Map<String, String> reasons = new TreeMap<>();
        Instant deadline = Instant.now().plus(Duration.ofMinutes(1));
        try (var consumer = consumer()) {
            consumer.assign(from.keySet());
            from.forEach(consumer::seek);
            while (reasons.size() < keys.size() && Instant.now().isBefore(deadline)) {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(500))) {
                    if (keys.contains(r.key())) {
                        reasons.put(
                                r.key(), header(r, DeadLetters.REASON_CODE) + " - " + header(r, DeadLetters.REASON));
                    }
                }
            }
        }
        return reasons;
    }

    private static String header(ConsumerRecord<?, ?> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null ? "?" : new String(header.value(), StandardCharsets.UTF_8);
    }

    private static void checkDeadline(Instant deadline, String what) {
        if (Instant.now().isAfter(deadline)) {
            throw new IllegalStateException("timed out waiting for " + what);
        }
    }

    private static void say(String format, Object... args) {
        System.out.printf("[demo] " + format + "%n", args);
    }
}
