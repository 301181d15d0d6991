package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.dlq.DeadLetter;
import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.validation.RejectReason;
import dev.streamtune.inference.support.FaultyRunner;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One bad record costs only itself: records the broker refuses to take (at the size limit, or whose outputs it
 * refuses), texts the runtime throws on or runs out of memory for, and texts that fail once. Every other record of
 * the same partition is predicted exactly once after them, with no stall. Real broker, real tiny model.
 */
@WithEmbeddedKafka(createTopics = false)
class PoisonRecordsTest {

    @TempDir
    Path tmp;

    @Test
    void shouldDeadLetterARecordAtTheTopicsSizeLimitWhoseDeadLetterWouldNotFitAndGoOn(EmbeddedKafkaBroker kafka)
            throws Exception {
        // texts and DLQ share a 200,000-byte limit (as topics of one cluster do); the service's dead-letter limit is
        // its default, larger: a whole copy of the record plus the reason headers would be refused
        Map<String, String> limit = Map.of("max.message.bytes", "200000");
        ClassifyLoop.Topics topics =
                KafkaTestSupport.freshTopics(kafka.admin(), "size-limit", 1, Map.of("texts", limit, "dlq", limit));
        byte[] big = "a".repeat(199_850).getBytes(StandardCharsets.UTF_8);
        Map<String, Object> client = kafka.clientProperties();
        KafkaTestSupport.send(
                client,
                List.of(
                        record(topics.texts(), "before", "a short text before"),
                        new ProducerRecord<>(topics.texts(), "big".getBytes(StandardCharsets.UTF_8), big),
                        record(topics.texts(), "after", "a short text after")));

        try (ServiceHarness service = serving(client)) {
            ClassifyLoop loop = service.loop(KafkaClientFactory.standard(), service.loopSettings(topics, 0.0))
                    .start();
            await().atMost(Duration.ofSeconds(60)).until(() -> KafkaTestSupport.keys(client, topics.predictions())
                    .containsAll(List.of("before", "after")));
            loop.close();
        }

        assertThat(KafkaTestSupport.keys(client, topics.predictions())).containsExactly("before", "after");
        ConsumerRecord<byte[], byte[]> dead = only(client, topics.dlq());
        DeadLetter letter = DeadLetters.read(dead.headers());
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("big");
        assertThat(letter.reasonCode()).isEqualTo(RejectReason.TEXT_TOO_LONG.name());
        assertThat(letter.originalValueBytes()).isEqualTo(199_850L);
        assertThat(letter.originalValueSha256())
                .isEqualTo(HexFormat.of()
                        .formatHex(MessageDigest.getInstance("SHA-256").digest(big)));
        assertThat(dead.value().length).isLessThan(big.length);
    }

    @Test
    void shouldIsolateTheOneRecordWhoseOutputTheBrokerRefusesAndPredictTheRestExactlyOnce(EmbeddedKafkaBroker kafka)
            throws Exception {
        // every prediction is also a review item (threshold 1.0), and a review item of a long text is too large (the
        // limit stays above the producer's batch.size, 16 KiB: below it, Kafka's producer splits and retries a batch
        // forever, KAFKA-8350)
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(
                kafka.admin(), "refused-output", 1, Map.of("review", Map.of("max.message.bytes", "20000")));
        Map<String, Object> client = kafka.clientProperties();
        List<ProducerRecord<byte[], byte[]>> inputs = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            inputs.add(record(topics.texts(), "t" + i, i == 23 ? "long text ".repeat(4_000) : "short text " + i));
        }
        KafkaTestSupport.send(client, inputs);

        try (ServiceHarness service = serving(client)) {
            ClassifyLoop loop = service.loop(KafkaClientFactory.standard(), service.loopSettings(topics, 1.0))
                    .start();
            await().atMost(Duration.ofSeconds(60))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() >= 39);
            Thread.sleep(500); // a duplicate would have had time to show up
            loop.close();
            assertThat(service.metrics
                            .registry()
                            .counter("streamtune.inference.poison", "event", "isolated")
                            .count())
                    .isEqualTo(1.0);
        }

        Map<String, Long> predicted = KafkaTestSupport.keys(client, topics.predictions()).stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(predicted).hasSize(39).doesNotContainKey("t23").allSatisfy((k, n) -> assertThat(n)
                .isEqualTo(1L));
        ConsumerRecord<byte[], byte[]> dead = only(client, topics.dlq());
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("t23");
        DeadLetter letter = DeadLetters.read(dead.headers());
        assertThat(letter.reasonCode()).isEqualTo(RejectReason.PROCESSING_FAILED.name());
        assertThat(letter.reason()).contains("cannot be written").contains("RecordTooLargeException");
        assertThat(dead.value()).isEqualTo("long text ".repeat(4_000).getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldDeadLetterTextsTheRuntimeThrowsOnOrRunsOutOfMemoryForAndPredictTheRest(EmbeddedKafkaBroker kafka)
            throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "runtime-faults", 2, Map.of());
        Map<String, Object> client = kafka.clientProperties();
        List<ProducerRecord<byte[], byte[]>> inputs = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            String text = i == 7 ? "a zebra walks in" : i == 19 ? "one lion there" : "plain text number " + i;
            inputs.add(record(topics.texts(), "t" + i, text));
        }
        KafkaTestSupport.send(client, inputs);

        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small())) {
            FaultyRunner.Wrapped faulty = FaultyRunner.wrap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            faulty.runner()
                    .on("zebra", FaultyRunner.Fault.THROW, Integer.MAX_VALUE)
                    .on("lion", FaultyRunner.Fault.OUT_OF_MEMORY, Integer.MAX_VALUE);
            service.holder.swap(faulty.model());
            ClassifyLoop loop = service.loop(KafkaClientFactory.standard(), service.loopSettings(topics, 0.0))
                    .start();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> KafkaTestSupport.keys(client, topics.dlq()).size() >= 2);
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() >= 28);
            loop.close();
            assertThat(service.engine.health().alive())
                    .as("an OutOfMemoryError in a runtime call does not kill the engine thread")
                    .isTrue();
            assertThat(service.engine.health().failure()).isEmpty();
        }

        assertThat(KafkaTestSupport.keys(client, topics.predictions()))
                .hasSize(28)
                .doesNotHaveDuplicates()
                .doesNotContain("t7", "t19");
        Map<String, DeadLetter> dead = KafkaTestSupport.readAll(client, topics.dlq(), true).stream()
                .collect(Collectors.toMap(
                        r -> new String(r.key(), StandardCharsets.UTF_8), r -> DeadLetters.read(r.headers())));
        assertThat(dead).containsOnlyKeys("t7", "t19");
        assertThat(dead.get("t7").reason()).contains("simulated runtime failure");
        assertThat(dead.get("t19").reason()).contains("Java heap space");
        assertThat(dead.values())
                .allSatisfy(d -> assertThat(d.reasonCode()).isEqualTo(RejectReason.PROCESSING_FAILED.name()));
    }

    @Test
    void shouldTryATextThatFailedOnceMoreBeforeDeadLetteringIt(EmbeddedKafkaBroker kafka) throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "transient", 1, Map.of());
        Map<String, Object> client = kafka.clientProperties();
        KafkaTestSupport.send(
                client,
                List.of(
                        record(topics.texts(), "a", "first text"),
                        record(topics.texts(), "tiger", "a tiger sleeps"),
                        record(topics.texts(), "b", "last text")));

        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small())) {
            FaultyRunner.Wrapped faulty = FaultyRunner.wrap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            // fails with its batch and again alone: the classifier's own retry is spent, the loop's is not
            faulty.runner().on("tiger", FaultyRunner.Fault.THROW, 2);
            service.holder.swap(faulty.model());
            ClassifyLoop loop = service.loop(KafkaClientFactory.standard(), service.loopSettings(topics, 0.0))
                    .start();
            await().atMost(Duration.ofSeconds(60))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() >= 3);
            loop.close();
        }

        assertThat(KafkaTestSupport.keys(client, topics.predictions())).containsExactly("a", "tiger", "b");
        assertThat(KafkaTestSupport.keys(client, topics.dlq())).isEmpty();
    }

    @Test
    void shouldDeadLetterATextWhoseKeyDiffersFromItsId(EmbeddedKafkaBroker kafka) throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "key-mismatch", 1, Map.of());
        Map<String, Object> client = kafka.clientProperties();
        KafkaTestSupport.send(
                client,
                List.of(
                        record(topics.texts(), "x0", "{\"id\":\"other-0\",\"text\":\"hello\"}"),
                        record(topics.texts(), "x1", "{\"id\":\"x1\",\"text\":\"hello\"}")));

        try (ServiceHarness service = serving(client)) {
            ClassifyLoop loop = service.loop(KafkaClientFactory.standard(), service.loopSettings(topics, 0.0))
                    .start();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> !KafkaTestSupport.keys(client, topics.dlq()).isEmpty()
                            && !KafkaTestSupport.keys(client, topics.predictions())
                                    .isEmpty());
            loop.close();
        }

        assertThat(KafkaTestSupport.keys(client, topics.predictions())).containsExactly("x1");
        ConsumerRecord<byte[], byte[]> dead = only(client, topics.dlq());
        assertThat(new String(dead.key(), StandardCharsets.UTF_8)).isEqualTo("x0");
        assertThat(DeadLetters.read(dead.headers()).reasonCode()).isEqualTo(RejectReason.KEY_ID_MISMATCH.name());
    }

    private ServiceHarness serving(Map<String, Object> client) throws Exception {
        ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small());
        service.holder.swap(service.loader.load(
                TestModels.publish(service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
        return service;
    }

    private static ConsumerRecord<byte[], byte[]> only(Map<String, Object> client, String topic) {
        List<ConsumerRecord<byte[], byte[]>> all = KafkaTestSupport.readAll(client, topic, true);
        assertThat(all).as("committed records of %s", topic).hasSize(1);
        return all.get(0);
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, String value) {
        return new ProducerRecord<>(
                topic, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8));
    }
}
