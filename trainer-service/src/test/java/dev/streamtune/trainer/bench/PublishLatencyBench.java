package dev.streamtune.trainer.bench;

import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.quarkus.InjectEmbeddedKafka;
import dev.streamtune.trainer.bert.dataset.JsonlDatasets;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import io.quarkus.test.junit.QuarkusTestProfile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (not a test: run by name): time from the first labeled example produced to the new model's LIVE record on
 * the models topic, with the trainer application on the embedded broker and its automatic min-changes trigger set to
 * the dataset size. Reads {@code -Dstreamtune.bench.data=<train.jsonl>} ({"text", "label"} per line, e.g. the
 * SpamAssassin conversion) and takes the first {@code -Dstreamtune.bench.examples} (default 1000).
 */
abstract class PublishLatencyBench {

    static final int EXAMPLES = Integer.getInteger("streamtune.bench.examples", 1000);

    @InjectEmbeddedKafka
    EmbeddedKafkaBroker kafka;

    /** Production defaults (max length 128, 3 epochs, batch 16, auto strategy) with {@code layers} kept. */
    abstract static class Settings implements QuarkusTestProfile {
        abstract int layers();

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>();
            config.put("streamtune.trainer.training.layers", Integer.toString(layers()));
            config.put("streamtune.trainer.training.max-length", "128");
            config.put("streamtune.trainer.training.epochs", "3");
            config.put("streamtune.trainer.training.batch-size", "16");
            config.put("streamtune.trainer.training.device", "cpu");
            config.put("streamtune.trainer.dataset.validation-fraction", "0.1");
            config.put("streamtune.trainer.dataset.test-fraction", "0.1");
            config.put("streamtune.trainer.triggers.automatic", "true");
            config.put("streamtune.trainer.triggers.min-changes", Integer.toString(EXAMPLES));
            // the benchmark calls no endpoint: no token verification key needed
            config.put("streamtune.security.enabled", "false");
            return config;
        }
    }

    @Test
    void measureExamplesInToModelPublished() throws Exception {
        String data = System.getProperty("streamtune.bench.data");
        if (data == null) {
            throw new IllegalStateException("set -Dstreamtune.bench.data=<train.jsonl>");
        }
        List<LabeledText> texts = JsonlDatasets.read(Path.of(data)).subList(0, EXAMPLES);
        long t0 = System.nanoTime();
        try (var producer =
                new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (int i = 0; i < texts.size(); i++) {
                LabeledExample e = LabeledExample.of(
                        "sa-" + i, texts.get(i).text(), texts.get(i).label());
                producer.send(new ProducerRecord<>(
                        StreamtuneTopics.EXAMPLES_NAME, e.id().getBytes(StandardCharsets.UTF_8), Json.write(e)));
            }
            producer.flush();
        }
        long produced = System.nanoTime();
        ModelRegistryEvent[] live = new ModelRegistryEvent[1];
        Map<String, Object> config = new HashMap<>(kafka.clientProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(StreamtuneTopics.MODELS_NAME));
            await().atMost(Duration.ofMinutes(45)).pollInterval(Duration.ZERO).until(() -> {
                for (var r : consumer.poll(Duration.ofMillis(200))) {
                    var event = JsonSerde.of(ModelRegistryEvent.class).deserialize("m", r.value());
                    if (event.status() == dev.streamtune.common.model.RegistryStatus.LIVE) {
                        live[0] = event;
                    }
                }
                return live[0] != null;
            });
        }
        long published = System.nanoTime();
        ModelManifest m = live[0].manifest();
        System.out.printf(
                Locale.ROOT,
                "BENCH examples-in->model-published layers=%s examples=%d produce=%.1fs total=%.1fs strategy=%s"
                        + " epochsRun=%s trainSeqPerSec=%.1f validationMacroF1=%.4f testMacroF1=%.4f testAccuracy=%.4f"
                        + " splits=%s%n",
                m.hyperParameters().get("layers"),
                EXAMPLES,
                (produced - t0) / 1e9,
                (published - t0) / 1e9,
                m.hyperParameters().get("strategyUsed"),
                m.hyperParameters().get("epochsRun"),
                ((Number) m.hyperParameters().getOrDefault("trainSeqPerSec", Double.NaN)).doubleValue(),
                m.validationMetrics().macroF1(),
                m.testMetrics().macroF1(),
                m.testMetrics().accuracy(),
                m.lineage().splitCounts());
    }
}
