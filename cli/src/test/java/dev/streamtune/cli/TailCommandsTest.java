package dev.streamtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtune.common.Samples;
import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import dev.streamtune.common.validation.RejectReason;
import dev.streamtune.common.validation.Rejection;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

@WithEmbeddedKafka
class TailCommandsTest {

    @Test
    void shouldShowCommittedPredictionsOnlyInColumnsAndJson(EmbeddedKafkaBroker kafka) throws Exception {
        Prediction committed = Samples.prediction();
        Prediction aborted = new Prediction(1, "t-2", "spam", 0.51, null, "support", 3, 7, Samples.TS, null);
        // a deployment's own topic name (--topic), so that the other tests' predictions are not in the way
        String topic = "prod.predictions";
        kafka.admin()
                .createTopics(List.of(new NewTopic(topic, 2, (short) 1)))
                .all()
                .get();
        try (var producer = transactional(kafka, StreamtuneTopics.PREDICTIONS)) {
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "key-aborted", aborted));
            producer.abortTransaction();
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(topic, "key-1", committed));
            producer.commitTransaction();
        }

        var columns = Cli.run(
                "predictions",
                "tail",
                "-b",
                kafka.bootstrapServers(),
                "--topic",
                "predictions=" + topic,
                "--from-beginning",
                "--idle-exit",
                "2s");
        var json = Cli.run(
                "predictions",
                "tail",
                "-b",
                kafka.bootstrapServers(),
                "--topic",
                "streamtune.predictions=" + topic,
                "--from-beginning",
                "--json",
                "--max",
                "1");

        assertThat(columns.exitCode()).as(columns.err()).isZero();
        assertThat(columns.lines()).hasSize(2);
        assertThat(columns.lines().get(0)).contains("TIME", "KEY", "LABEL", "CONFIDENCE", "MODEL", "LATENCY");
        assertThat(columns.lines().get(1)).contains("key-1", "ham", "0.900", "support v3", "12 ms");
        assertThat(columns.out()).doesNotContain("key-aborted");
        JsonNode line = Json.mapper().readTree(json.lines().get(0));
        assertThat(line.path("key").asText()).isEqualTo("key-1");
        assertThat(line.path("topic").asText()).isEqualTo(topic);
        assertThat(Json.mapper().treeToValue(line.path("value"), Prediction.class))
                .isEqualTo(committed);
    }

    @Test
    void shouldFollowNewPredictionsLive(EmbeddedKafkaBroker kafka) throws Exception {
        var tail = CompletableFuture.supplyAsync(
                () -> Cli.run("predictions", "tail", "-b", kafka.bootstrapServers(), "--max", "1", "--no-header"));
        String key = UUID.randomUUID().toString();
        // produce until the tail has started (it starts at the end: earlier records are not shown)
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try (var producer = transactional(kafka, StreamtuneTopics.PREDICTIONS)) {
            while (!tail.isDone() && System.nanoTime() < deadline) {
                producer.beginTransaction();
                producer.send(new ProducerRecord<>(StreamtuneTopics.PREDICTIONS_NAME, key, Samples.prediction()));
                producer.commitTransaction();
                Thread.sleep(500);
            }
        }

        var result = tail.get(10, TimeUnit.SECONDS);
        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.lines()).hasSize(1);
        assertThat(result.lines().get(0)).contains(key).doesNotContain("TIME");
    }

    @Test
    void shouldShowReviewAndMonitoringEvents(EmbeddedKafkaBroker kafka) throws Exception {
        try (var producer = transactional(kafka, StreamtuneTopics.REVIEW)) {
            producer.beginTransaction();
            producer.send(new ProducerRecord<>(StreamtuneTopics.REVIEW_NAME, "r-key", Samples.reviewItem()));
            producer.commitTransaction();
        }
        List<MonitoringEvent> events = Samples.monitoringEvents();
        try (var producer = transactional(kafka, StreamtuneTopics.MONITORING)) {
            producer.beginTransaction();
            events.forEach(e -> producer.send(new ProducerRecord<>(StreamtuneTopics.MONITORING_NAME, e.model(), e)));
            producer.commitTransaction();
        }

        var review = Cli.run("review", "tail", "-b", kafka.bootstrapServers(), "--from-beginning", "--max", "1");
        var monitoring = Cli.run(
                "monitoring", "tail", "-b", kafka.bootstrapServers(), "--from-beginning", "--max", "" + events.size());
        var monitoringJson = Cli.run(
                "monitoring", "tail", "-b", kafka.bootstrapServers(), "--from-beginning", "--json", "--max", "1");

        assertThat(review.exitCode()).as(review.err()).isZero();
        assertThat(review.lines().get(1)).contains("r-key", "ham", "0.900", "Is my invoice paid?");
        assertThat(monitoring.exitCode()).as(monitoring.err()).isZero();
        assertThat(monitoring.lines()).hasSize(events.size() + 1);
        assertThat(monitoring.lines().get(1)).contains("support", "training-progress", "runId=run-7");
        assertThat(monitoring.out())
                .contains(
                        MonitoringEvent.VALIDATION, MonitoringEvent.SWAP, MonitoringEvent.DRIFT, MonitoringEvent.ALERT);
        JsonNode first = Json.mapper().readTree(monitoringJson.lines().get(0)).path("value");
        assertThat(Json.mapper().treeToValue(first, MonitoringEvent.class)).isEqualTo(events.get(0));
    }

    @Test
    void shouldShowDeadLettersWithTheirReasons(EmbeddedKafkaBroker kafka) throws Exception {
        var refused = new ConsumerRecord<>(
                StreamtuneTopics.TEXTS_NAME,
                2,
                41L,
                0L,
                TimestampType.CREATE_TIME,
                0,
                0,
                "bad-key".getBytes(StandardCharsets.UTF_8),
                "{not json".getBytes(StandardCharsets.UTF_8),
                new org.apache.kafka.common.header.internals.RecordHeaders(),
                java.util.Optional.<Integer>empty());
        var deadLetter = DeadLetters.toRecord(
                StreamtuneTopics.DLQ_NAME,
                refused,
                new Rejection(RejectReason.MALFORMED_JSON, "unexpected end"),
                "inference/classify");
        var props = new HashMap<>(kafka.clientProperties());
        try (var producer = new KafkaProducer<>(
                props,
                new org.apache.kafka.common.serialization.ByteArraySerializer(),
                new org.apache.kafka.common.serialization.ByteArraySerializer())) {
            producer.send(deadLetter).get();
        }

        var columns = Cli.run("dlq", "tail", "-b", kafka.bootstrapServers(), "--from-beginning", "--max", "1");
        var json = Cli.run("dlq", "tail", "-b", kafka.bootstrapServers(), "--from-beginning", "--max", "1", "--json");

        assertThat(columns.exitCode()).as(columns.err()).isZero();
        assertThat(columns.lines().get(1))
                .contains("MALFORMED_JSON", "streamtune.texts/2@41", "inference/classify", "{not json");
        JsonNode line = Json.mapper().readTree(json.lines().get(0));
        assertThat(line.path("key").asText()).isEqualTo("bad-key");
        assertThat(line.at("/value/value").asText()).isEqualTo("{not json");
        assertThat(line.at("/value/deadLetter/sourceOffset").asLong()).isEqualTo(41);
        assertThat(line.at("/value/deadLetter/reasonCode").asText()).isEqualTo("MALFORMED_JSON");
    }

    private static <V> KafkaProducer<String, V> transactional(EmbeddedKafkaBroker kafka, Topic<String, V> topic) {
        var props = new HashMap<>(kafka.clientProperties());
        props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tail-test-" + UUID.randomUUID());
        props.put(
                ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Duration.ofSeconds(30).toMillis());
        var producer = new KafkaProducer<>(
                props, topic.keySerde().serializer(), topic.valueSerde().serializer());
        producer.initTransactions();
        return producer;
    }
}
