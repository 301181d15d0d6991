package dev.streamtune.trainer.bench;

import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.quarkus.EmbeddedKafkaTestResource;
import dev.streamtune.kafka.quarkus.InjectEmbeddedKafka;
import dev.streamtune.trainer.bert.dataset.JsonlDatasets;
import dev.streamtune.trainer.bert.dataset.LabeledText;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
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
 * Benchmark (not a test: run by name): the fast lane against the slow lane, on the trainer application with the
 * embedded broker. {@code -Dstreamtune.bench.examples} (1000) SpamAssassin emails go in and the slow lane's min-changes
 * trigger trains v1 (2-layer MiniLM, 128 tokens, 3 epochs; {@code -Dstreamtune.bench.layers} changes the layers);
 * then 50 more arrive, 15 of them with a label v1 does not know, and the fast lane refreshes v1's head. Prints, for
 * each, the time from the last example produced to the LIVE record, and where the run's time went.
 */
@QuarkusTest
@WithTestResource(EmbeddedKafkaTestResource.class)
@TestProfile(FastLaneLatencyBench.Profile.class)
class FastLaneLatencyBench {

    static final int NEW_EXAMPLES = 50;
    static final int NEW_LABEL_EXAMPLES = 15;
    static final String NEW_LABEL = "invoice";

    @InjectEmbeddedKafka
    EmbeddedKafkaBroker kafka;

    public static class Profile extends PublishLatencyBench.Settings {
        @Override
        int layers() {
            return Integer.getInteger("streamtune.bench.layers", 2);
        }
    }

    @Test
    void measureFastLaneAgainstTheSlowLane() throws Exception {
        String data = System.getProperty("streamtune.bench.data");
        if (data == null) {
            throw new IllegalStateException("set -Dstreamtune.bench.data=<train.jsonl>");
        }
        int n = PublishLatencyBench.EXAMPLES;
        List<LabeledText> texts = JsonlDatasets.read(Path.of(data));
        List<LabeledExample> first = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            first.add(LabeledExample.of(
                    "sa-" + i, texts.get(i).text(), texts.get(i).label()));
        }
        Instant t0 = Instant.now();
        Instant lastFirst = produce(first);
        ModelRegistryEvent v1 = awaitLive(1);
        Instant v1Seen = Instant.now();
        report("full", v1, t0, lastFirst, v1Seen);

        Path more = Path.of(System.getProperty(
                "streamtune.bench.more",
                Path.of(data).resolveSibling("test.jsonl").toString()));
        Instant fastLastProduced = produce(newExamples(JsonlDatasets.read(more)));
        ModelRegistryEvent v2 = awaitLive(2);
        Instant v2Seen = Instant.now();
        report("fast", v2, fastLastProduced, fastLastProduced, v2Seen);
        System.out.printf(
                Locale.ROOT,
                "BENCH fast-lane ratio: fast %.1fs vs full %.1fs from the last example to LIVE (%.1fx faster)%n",
                RunBreakdown.seconds(fastLastProduced, v2Seen),
                RunBreakdown.seconds(lastFirst, v1Seen),
                RunBreakdown.seconds(lastFirst, v1Seen) / RunBreakdown.seconds(fastLastProduced, v2Seen));
    }

    /** 35 more emails (from {@code -Dstreamtune.bench.more}, default test.jsonl) and 15 invoices, a new label. */
    private static List<LabeledExample> newExamples(List<LabeledText> texts) {
        List<LabeledExample> examples = new ArrayList<>();
        for (int i = 0; i < NEW_EXAMPLES - NEW_LABEL_EXAMPLES; i++) {
            LabeledText t = texts.get(i);
            examples.add(LabeledExample.of("more-" + i, t.text(), t.label()));
        }
        String[] openings = {"Please find attached invoice", "Invoice", "Your invoice", "Reminder: invoice"};
        String[] terms = {"due within 30 days", "payable by bank transfer", "overdue since last week"};
        for (int i = 0; i < NEW_LABEL_EXAMPLES; i++) {
            examples.add(LabeledExample.of(
                    "inv-" + i,
                    "Subject: " + openings[i % openings.length] + " #" + (4100 + i * 7) + "\n\nDear customer, the"
                            + " amount of " + (120 + 13 * i) + " EUR for order " + (900 + i) + " is "
                            + terms[i % terms.length] + ". Regards, Accounts",
                    NEW_LABEL));
        }
        return examples;
    }

    private void report(String lane, ModelRegistryEvent live, Instant from, Instant lastProduced, Instant seen) {
        ModelManifest m = live.manifest();
        RunBreakdown run =
                RunBreakdown.read(kafka.clientProperties(), m.lineage().runId());
        System.out.printf(
                Locale.ROOT,
                "BENCH %s lane v%d (lineage lane %s, strategy %s, layers %s): last example -> LIVE %.1fs (first"
                        + " example -> LIVE %.1fs); trigger wait %.1fs, run start -> LIVE seen %.1fs; %s;"
                        + " encoded %s, from cache %s; labels %s; test macro-F1 %.4f accuracy %.4f%n",
                lane,
                live.version(),
                m.lineage().lane(),
                m.hyperParameters().get("strategyUsed"),
                m.hyperParameters().get("layers"),
                RunBreakdown.seconds(lastProduced, seen),
                RunBreakdown.seconds(from, seen),
                RunBreakdown.seconds(lastProduced, run.started()),
                RunBreakdown.seconds(run.started(), seen),
                run.format(),
                m.hyperParameters().getOrDefault("featuresEncoded", "-"),
                m.hyperParameters().getOrDefault("featuresFromCache", "-"),
                m.labels(),
                m.testMetrics().macroF1(),
                m.testMetrics().accuracy());
    }

    private Instant produce(List<LabeledExample> examples) {
        try (var producer =
                new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (LabeledExample e : examples) {
                producer.send(new ProducerRecord<>(
                        StreamtuneTopics.EXAMPLES_NAME, e.id().getBytes(StandardCharsets.UTF_8), Json.write(e)));
            }
            producer.flush();
        }
        return Instant.now();
    }

    private ModelRegistryEvent awaitLive(long version) {
        ModelRegistryEvent[] live = new ModelRegistryEvent[1];
        Map<String, Object> config = new HashMap<>(kafka.clientProperties());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(StreamtuneTopics.MODELS_NAME));
            await().atMost(Duration.ofMinutes(60)).pollInterval(Duration.ZERO).until(() -> {
                for (var r : consumer.poll(Duration.ofMillis(100))) {
                    var event = JsonSerde.of(ModelRegistryEvent.class).deserialize("m", r.value());
                    if (event.status() == RegistryStatus.LIVE && event.version() == version) {
                        live[0] = event;
                    } else if (event.status() == RegistryStatus.REJECTED && event.version() == version) {
                        throw new IllegalStateException("v" + version + " was rejected: " + event.reasons());
                    }
                }
                return live[0] != null;
            });
        }
        return live[0];
    }
}
