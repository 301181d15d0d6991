package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.dlq.DeadLetter;
import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.validation.RejectReason;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.support.CrashingClients;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestManifests;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@WithEmbeddedKafka(createTopics = false)
class ExactlyOnceRestartTest {

    private static final int VALID = 240;
    private static final JsonSerde<Prediction> PREDICTIONS = JsonSerde.of(Prediction.class);

    @Test
    void shouldPredictEveryInputExactlyOnceAcrossACrashMidTransaction(EmbeddedKafkaBroker kafka, @TempDir Path tmp)
            throws Exception {
        KafkaTestSupport.createTopics(kafka.admin(), 3);
        Map<String, Object> client = kafka.clientProperties();
        KafkaTestSupport.send(client, inputs());

        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small())) {
            service.holder.swap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            String transactionalId = "streamtune-inference-eo-test";

            CrashingClients crashing = new CrashingClients(70);
            ClassifyLoop first = service.loop(crashing, transactionalId).start();
            await().atMost(Duration.ofSeconds(60)).until(() -> !first.isAlive());
            assertThat(first.failure()).containsInstanceOf(CrashingClients.SimulatedCrash.class);
            crashing.zombie().flush(); // what the dead process had sent reaches the log, uncommitted

            ClassifyLoop second =
                    service.loop(KafkaClientFactory.standard(), transactionalId).start();
            await().atMost(Duration.ofSeconds(90))
                    .until(() -> committedPredictions(client).size() >= VALID);
            Thread.sleep(500); // a duplicate would have had time to show up
            List<ConsumerRecord<byte[], byte[]>> committed = committedPredictions(client);

            Map<String, Long> perId = committed.stream()
                    .map(r -> PREDICTIONS.deserialize(r.topic(), r.value()).id())
                    .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
            assertThat(perId).hasSize(VALID).allSatisfy((id, n) -> assertThat(n)
                    .as("predictions for %s", id)
                    .isEqualTo(1L));
            assertThat(KafkaTestSupport.readAll(client, StreamtuneTopics.PREDICTIONS_NAME, false))
                    .as("the crashed transaction left aborted predictions in the log")
                    .hasSizeGreaterThan(committed.size());

            // input order per partition: predictions of partition p come from input partition p, in offset order
            Map<Integer, List<Long>> sourceOffsets = new HashMap<>();
            for (ConsumerRecord<byte[], byte[]> r : committed) {
                Prediction p = PREDICTIONS.deserialize(r.topic(), r.value());
                assertThat(p.source().partition()).isEqualTo(r.partition());
                assertThat(new String(r.key(), StandardCharsets.UTF_8)).isEqualTo(p.id());
                sourceOffsets
                        .computeIfAbsent(r.partition(), k -> new ArrayList<>())
                        .add(p.source().offset());
            }
            assertThat(sourceOffsets).hasSize(3).allSatisfy((partition, offsets) -> assertThat(offsets)
                    .isSorted()
                    .doesNotHaveDuplicates());

            assertThatThrownBy(() -> crashing.zombie().commitTransaction())
                    .as("the restarted loop fenced the dead one's producer")
                    .isInstanceOf(KafkaException.class);
            // the latency breakdown: every record handed to the engine counted its fetch time, every batch its
            // engine and hand-off times
            double[] fetch = service.metrics.stageTotals(InferenceMetrics.Stage.FETCH);
            double[] engine = service.metrics.stageTotals(InferenceMetrics.Stage.ENGINE);
            double[] handoff = service.metrics.stageTotals(InferenceMetrics.Stage.HANDOFF);
            assertThat(fetch[0]).isGreaterThanOrEqualTo(VALID);
            assertThat(fetch[1]).isPositive();
            assertThat(engine[0]).isPositive().isEqualTo(handoff[0]).isLessThan(fetch[0]);
            assertThat(engine[1]).isPositive();
            second.close();
        }
    }

    @Test
    void shouldRouteMalformedRecordsToTheDlqWithReasons(EmbeddedKafkaBroker kafka, @TempDir Path tmp) throws Exception {
        KafkaTestSupport.createTopics(kafka.admin(), 3);
        Map<String, Object> client = kafka.clientProperties();
        int dlqBefore = KafkaTestSupport.readAll(client, StreamtuneTopics.DLQ_NAME, true)
                .size();
        String texts = StreamtuneTopics.TEXTS_NAME;
        List<ProducerRecord<byte[], byte[]>> bad = List.of(
                record(texts, "bad-json", "{\"text\": \"unterminated".getBytes(StandardCharsets.UTF_8)),
                record(texts, "bad-utf8", new byte[] {'h', 'i', (byte) 0xC3, (byte) 0x28}),
                record(texts, "oversized", "a".repeat(70_000).getBytes(StandardCharsets.UTF_8)),
                record(texts, "empty", new byte[0]),
                record(texts, "blank", "{\"text\": \"   \"}".getBytes(StandardCharsets.UTF_8)),
                record(texts, "no-value", null));
        KafkaTestSupport.send(client, bad);

        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small())) {
            service.holder.swap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            ClassifyLoop loop = service.loop(KafkaClientFactory.standard(), "streamtune-inference-dlq-test")
                    .start();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> KafkaTestSupport.readAll(client, StreamtuneTopics.DLQ_NAME, true)
                                    .size()
                            >= dlqBefore + bad.size());
            loop.close();
        }

        Map<String, DeadLetter> byKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(client, StreamtuneTopics.DLQ_NAME, true)) {
            byKey.put(new String(r.key(), StandardCharsets.UTF_8), DeadLetters.read(r.headers()));
        }
        assertThat(byKey.get("bad-json").reasonCode()).isEqualTo(RejectReason.MALFORMED_JSON.name());
        assertThat(byKey.get("bad-utf8").reasonCode()).isEqualTo(RejectReason.INVALID_UTF8.name());
        assertThat(byKey.get("oversized").reasonCode()).isEqualTo(RejectReason.TEXT_TOO_LONG.name());
        assertThat(byKey.get("empty").reasonCode()).isEqualTo(RejectReason.EMPTY_TEXT.name());
        assertThat(byKey.get("blank").reasonCode()).isEqualTo(RejectReason.EMPTY_TEXT.name());
        assertThat(byKey.get("no-value").reasonCode()).isEqualTo(RejectReason.MISSING_FIELD.name());
        assertThat(byKey.values()).allSatisfy(d -> {
            assertThat(d.sourceTopic()).isEqualTo(StreamtuneTopics.TEXTS_NAME);
            assertThat(d.sourceOffset()).isGreaterThanOrEqualTo(0);
            assertThat(d.component()).isEqualTo("inference/stream");
            assertThat(d.reason()).isNotBlank();
        });
        Set<String> predictedKeys = new TreeSet<>();
        KafkaTestSupport.readAll(client, StreamtuneTopics.PREDICTIONS_NAME, true)
                .forEach(r -> predictedKeys.add(new String(r.key(), StandardCharsets.UTF_8)));
        assertThat(predictedKeys).doesNotContainAnyElementsOf(byKey.keySet());
    }

    /** Predictions of this class's exactly-once inputs (keys {@code k<n>}); other tests share the topic. */
    @Test
    void shouldDeadLetterATextTheModelCannotRunAndPredictTheRest(EmbeddedKafkaBroker kafka, @TempDir Path tmp)
            throws Exception {
        KafkaTestSupport.createTopics(kafka.admin(), 3);
        Map<String, Object> client = kafka.clientProperties();
        String texts = StreamtuneTopics.TEXTS_NAME;
        KafkaTestSupport.send(
                client,
                List.of(
                        record(texts, "fits-1", "a short text".getBytes(StandardCharsets.UTF_8)),
                        record(texts, "too-long", "word ".repeat(150).getBytes(StandardCharsets.UTF_8)),
                        record(texts, "fits-2", "another short text".getBytes(StandardCharsets.UTF_8))));

        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small())) {
            // the manifest promises 200 tokens, the graph holds 128 positions: only long texts fail
            TestModels.write(tmp.resolve("model"), TestModels.Spec.valid(ServiceHarness.MODEL, 1));
            service.holder.swap(new dev.streamtune.inference.model.LoadedModel(
                    TestManifests.manifest(ServiceHarness.MODEL, 1, TestManifests.LABELS, 200, List.of()),
                    TestModels.tokenizerFromDir(tmp.resolve("model")),
                    dev.streamtune.inference.model.OnnxRuntimes.open(
                            tmp.resolve("model").resolve(dev.streamtune.common.model.ModelArtifact.MODEL_FILE),
                            dev.streamtune.inference.model.OnnxRuntimes.Settings.DEFAULTS),
                    null,
                    null));
            ClassifyLoop loop = service.loop(KafkaClientFactory.standard(), "streamtune-inference-poison")
                    .start();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> keysIn(client, StreamtuneTopics.DLQ_NAME).contains("too-long"));
            await().atMost(Duration.ofSeconds(30)).until(() -> keysIn(client, StreamtuneTopics.PREDICTIONS_NAME)
                    .containsAll(List.of("fits-1", "fits-2")));
            loop.close();
        }
        assertThat(keysIn(client, StreamtuneTopics.PREDICTIONS_NAME)).doesNotContain("too-long");
        ConsumerRecord<byte[], byte[]> dead = KafkaTestSupport.readAll(client, StreamtuneTopics.DLQ_NAME, true).stream()
                .filter(r -> new String(r.key(), StandardCharsets.UTF_8).equals("too-long"))
                .findFirst()
                .orElseThrow();
        assertThat(DeadLetters.read(dead.headers()).reasonCode()).isEqualTo(RejectReason.PROCESSING_FAILED.name());
        assertThat(DeadLetters.read(dead.headers()).reason()).contains("inference failed");
    }

    private static List<String> keysIn(Map<String, Object> client, String topic) {
        return KafkaTestSupport.readAll(client, topic, true).stream()
                .filter(r -> r.key() != null)
                .map(r -> new String(r.key(), StandardCharsets.UTF_8))
                .toList();
    }

    private static List<ConsumerRecord<byte[], byte[]>> committedPredictions(Map<String, Object> client) {
        return KafkaTestSupport.readAll(client, StreamtuneTopics.PREDICTIONS_NAME, true).stream()
                .filter(r -> r.key() != null && new String(r.key(), StandardCharsets.UTF_8).matches("k\\d+"))
                .toList();
    }

    private static List<ProducerRecord<byte[], byte[]>> inputs() {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < VALID; i++) {
            String text = "message " + i + " " + "lorem ipsum dolor sit amet ".repeat(i % 9);
            String json = "{\"id\":\"k" + i + "\",\"text\":\"" + text + "\"}";
            records.add(record(StreamtuneTopics.TEXTS_NAME, "k" + i, json.getBytes(StandardCharsets.UTF_8)));
        }
        return records;
    }

    private static ProducerRecord<byte[], byte[]> record(String topic, String key, byte[] value) {
        return new ProducerRecord<>(topic, key.getBytes(StandardCharsets.UTF_8), value);
    }
}
