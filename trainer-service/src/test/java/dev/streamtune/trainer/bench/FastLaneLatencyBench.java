package dev.streamtune.trainer.bench;

import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.SwapEvent;
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
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (not a test: run by name): the fast lane against the slow lane, on the trainer application with the
 * embedded broker. {@code -Dstreamtune.bench.examples} (1000) SpamAssassin emails go in and the slow lane's min-changes
 * trigger trains v1 (2-layer MiniLM, 128 tokens, 3 epochs; {@code -Dstreamtune.bench.layers} changes the layers);
 * then 50 more arrive, 15 of them with a label v1 does not know, and the fast lane refreshes v1's head. Prints, for
 * each, the time from the last example produced to the LIVE record, and where the run's time went. The packaged
 * inference service runs beside it as a child JVM ({@code -Dstreamtune.bench.inference-jar}, default
 * {@code ../inference-service/target/quarkus-app/quarkus-run.jar}: package it first) on the same broker and model store,
 * classifying a paced stream of emails and invoices: the benchmark also prints LIVE → swapped (with the service's own
 * fetch-to-self-check time) → first prediction of the new version → first prediction of the new label.
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

        @Override
        public Map<String, String> getConfigOverrides() {
            Map<String, String> config = new HashMap<>(super.getConfigOverrides());
            // a store the inference service can be pointed at
            config.put("streamtune.trainer.store.filesystem.root", storeRoot().toString());
            return config;
        }
    }

    /** One store for this JVM (system properties, unlike statics, are shared by the test and profile class loaders). */
    static Path storeRoot() {
        return Path.of(System.getProperties()
                .computeIfAbsent("streamtune.bench.store-root", k -> WORK.resolve("models-" + UUID.randomUUID())
                        .toAbsolutePath()
                        .toString())
                .toString());
    }

    static final Path WORK = Path.of("target", "fastlane-bench");
    static final double PROBES_PER_SECOND = 4;

    @Test
    void measureFastLaneAgainstTheSlowLane() throws Exception {
        String data = System.getProperty("streamtune.bench.data");
        if (data == null) {
            throw new IllegalStateException("set -Dstreamtune.bench.data=<train.jsonl>");
        }
        Path jar = Path.of(System.getProperty(
                "streamtune.bench.inference-jar", "../inference-service/target/quarkus-app/quarkus-run.jar"));
        String secret = ConfigProvider.getConfig().getValue("streamtune.trainer.signing.hmac-secret", String.class);
        try (ServingSide serving = ServingSide.start(jar, kafka.clientProperties(), storeRoot(), secret, WORK)) {
            measure(data, serving);
        }
    }

    private void measure(String data, ServingSide serving) throws Exception {
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
        SwapEvent swap1 = serving.awaitSwap(1, Duration.ofMinutes(5));
        System.out.printf(
                Locale.ROOT,
                "BENCH full lane v1 served: LIVE written -> swapped %.1fs (fetch, verify, load, warm-up, self-check"
                        + " %.1fs)%n",
                RunBreakdown.seconds(liveWritten.get(1L), swap1.ts()),
                swap1.loadMillis() / 1000.0);

        Path more = Path.of(System.getProperty(
                "streamtune.bench.more",
                Path.of(data).resolveSibling("test.jsonl").toString()));
        List<LabeledText> moreTexts = JsonlDatasets.read(more);
        serving.feed(probes(moreTexts), PROBES_PER_SECOND);
        serving.awaitPrediction(p -> p.version() == 1, Duration.ofMinutes(2), "prediction of v1");
        Instant fastLastProduced = produce(newExamples(moreTexts));
        ModelRegistryEvent v2 = awaitLive(2);
        Instant v2Seen = Instant.now();
        report("fast", v2, fastLastProduced, fastLastProduced, v2Seen);
        SwapEvent swap2 = serving.awaitSwap(2, Duration.ofMinutes(5));
        ServingSide.Written firstV2 =
                serving.awaitPrediction(p -> p.version() == 2, Duration.ofMinutes(2), "prediction of v2");
        ServingSide.Written firstNew = serving.awaitPrediction(
                p -> p.version() == 2 && NEW_LABEL.equals(p.label()),
                Duration.ofMinutes(2),
                "prediction of the new label " + NEW_LABEL);
        System.out.printf(
                Locale.ROOT,
                "BENCH fast lane served: last example -> LIVE written %.1fs -> swapped %.1fs (fetch, verify, load,"
                        + " warm-up, self-check %.1fs) -> first v2 prediction written %.1fs -> first '%s' prediction"
                        + " %.1fs; last example -> new label served %.1fs (goal <= 60 s); texts offered %.0f/s%n",
                RunBreakdown.seconds(fastLastProduced, liveWritten.get(2L)),
                RunBreakdown.seconds(liveWritten.get(2L), swap2.ts()),
                swap2.loadMillis() / 1000.0,
                RunBreakdown.seconds(swap2.ts(), firstV2.at()),
                NEW_LABEL,
                RunBreakdown.seconds(firstV2.at(), firstNew.at()),
                RunBreakdown.seconds(fastLastProduced, firstNew.at()),
                PROBES_PER_SECOND);
        System.out.printf(
                Locale.ROOT,
                "BENCH fast-lane ratio: fast %.1fs vs full %.1fs from the last example to LIVE (%.1fx faster)%n",
                RunBreakdown.seconds(fastLastProduced, v2Seen),
                RunBreakdown.seconds(lastFirst, v1Seen),
                RunBreakdown.seconds(lastFirst, v1Seen) / RunBreakdown.seconds(fastLastProduced, v2Seen));
    }

    /**
     * The stream the inference service classifies while the fast lane runs: held-out emails the new examples do not
     * include, every second text an invoice unlike the training ones.
     */
    private static List<String> probes(List<LabeledText> texts) {
        List<String> probes = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            probes.add(texts.get(NEW_EXAMPLES + i).text());
            probes.add("Subject: Invoice " + (7300 + 11 * i) + " for your order\n\nHello, please pay the amount of "
                    + (80 + 7 * i) + " EUR for order " + (5000 + i) + " within 14 days. Kind regards, Billing");
        }
        return probes;
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

    /** When each version's LIVE record was written (its timestamp). */
    private final Map<Long, Instant> liveWritten = new HashMap<>();

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
                        liveWritten.put(version, Instant.ofEpochMilli(r.timestamp()));
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
