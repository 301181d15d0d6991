package dev.streamtune.inference.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.ErrorEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.SwapEvent;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.inference.stream.ClassifyLoop;
import dev.streamtune.inference.stream.KafkaClientFactory;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.LoadGenerator;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestManifests;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@WithEmbeddedKafka(createTopics = false)
class HotSwapTest {

    private static final String MODEL = ServiceHarness.MODEL;
    private static final JsonSerde<Prediction> PREDICTIONS = JsonSerde.of(Prediction.class);
    private static final JsonSerde<MonitoringEvent> MONITORING = JsonSerde.of(MonitoringEvent.class);

    @Test
    void shouldSwapUnderLoadOnceWithoutLossOrDuplicatesAndKeepServingThroughBadVersions(
            EmbeddedKafkaBroker kafka, @TempDir Path tmp) throws Exception {
        KafkaTestSupport.createTopics(kafka.admin(), 3);
        Map<String, Object> client = kafka.clientProperties();
        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small());
                KafkaProducer<String, ModelRegistryEvent> registry =
                        new KafkaProducer<>(client, new StringSerializer(), JsonSerde.of(ModelRegistryEvent.class))) {
            ModelRegistryEvent v1 = publish(service, registry, TestModels.Spec.valid(MODEL, 1));
            service.follower(service.monitoring("hot-swap-test"), Optional.empty())
                    .start();
            await().pollInterval(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> Long.valueOf(1).equals(service.holder.version()));
            ClassifyLoop loop = service.loop(KafkaClientFactory.standard(), "streamtune-inference-hot-swap")
                    .start();

            LoadGenerator load = new LoadGenerator(client, 120).start();
            await().pollInterval(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> predictions(client).stream()
                                    .map(p -> p.source().partition())
                                    .distinct()
                                    .count()
                            == 3);
            publish(service, registry, TestModels.Spec.valid(MODEL, 2));
            await().pollInterval(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> Long.valueOf(2).equals(service.holder.version()));

            // refused versions, each while the load goes on; each waits for its refusal, since the follower only
            // applies the latest LIVE record it has read (a LIVE record superseded before it is read is skipped)
            TestModels.corrupt(publish(service, registry, TestModels.Spec.valid(MODEL, 3), false, false));
            sendLive(registry, lastPublished);
            awaitError(client, 3);
            ManifestSigner impostor =
                    ManifestSigner.hmac(TestModels.KEY_ID, "another-secret-of-at-least-32-bytes-length!");
            publish(service, registry, TestModels.Spec.valid(MODEL, 4).withSigner(impostor));
            awaitError(client, 4);
            publish(service, registry, TestModels.Spec.valid(MODEL, 5).withHeadLabels(3));
            awaitError(client, 5);
            sendLive(registry, v1); // an older LIVE record that is not a rollback: ignored
            TestModels.corrupt(publish(service, registry, TestModels.Spec.valid(MODEL, 6), false, false));
            sendLive(registry, lastPublished); // its error event proves the stale v1 record was handled
            awaitError(client, 6);
            load.close();
            int sent = load.sent();
            await().pollInterval(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> predictions(client).size() >= sent);
            Thread.sleep(300);

            List<Prediction> predictions = predictions(client);
            Map<String, Long> perId =
                    predictions.stream().collect(Collectors.groupingBy(Prediction::id, Collectors.counting()));
            assertThat(perId).hasSize(sent).allSatisfy((id, n) -> assertThat(n).isEqualTo(1L));
            Map<Integer, List<Long>> versionsPerPartition = new HashMap<>();
            for (Prediction p : predictions) { // read in partition order, so offset order within each
                versionsPerPartition
                        .computeIfAbsent(p.source().partition(), k -> new ArrayList<>())
                        .add(p.version());
            }
            assertThat(versionsPerPartition).hasSize(3).allSatisfy((partition, versions) -> {
                assertThat(versions).as("versions on partition %d", partition).isSorted();
                assertThat(versions).containsOnly(1L, 2L);
            });
            assertThat(predictions).extracting(Prediction::version).contains(1L, 2L);

            List<SwapEvent> swaps = swaps(client);
            assertThat(swaps)
                    .extracting(SwapEvent::fromVersion, SwapEvent::toVersion, SwapEvent::rollback)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(null, 1L, false),
                            org.assertj.core.groups.Tuple.tuple(1L, 2L, false));
            Map<Long, String> errorByVersion = errors(client).stream()
                    .collect(Collectors.toMap(ErrorEvent::version, ErrorEvent::message, (a, b) -> a));
            assertThat(errorByVersion.get(3L)).contains("VERIFY").contains("model.onnx does not match");
            assertThat(errorByVersion.get(4L)).contains("VERIFY").contains("bad signature");
            assertThat(errorByVersion.get(5L)).contains("label-count mismatch");
            assertThat(errorByVersion.get(6L)).contains("VERIFY");
            assertThat(errors(client)).allSatisfy(e -> assertThat(e.component()).isEqualTo("hot-swap"));
            assertThat(service.holder.version()).isEqualTo(2L);

            // an explicit rollback is the one way back
            sendLive(registry, TestManifests.live(v1.manifest(), v1.uri(), v1.manifestSha256(), true));
            await().pollInterval(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(60))
                    .until(() -> Long.valueOf(1).equals(service.holder.version()));
            assertThat(swaps(client)).last().satisfies(s -> {
                assertThat(s.fromVersion()).isEqualTo(2L);
                assertThat(s.toVersion()).isEqualTo(1L);
                assertThat(s.rollback()).isTrue();
            });
            loop.close();
        }
    }

    private ModelRegistryEvent lastPublished;

    private ModelRegistryEvent publish(
            ServiceHarness service, KafkaProducer<String, ModelRegistryEvent> registry, TestModels.Spec spec) {
        return publish(service, registry, spec, false, true);
    }

    /** Publishes the artifact and its version record; with {@code live} also the LIVE record. */
    private ModelRegistryEvent publish(
            ServiceHarness service,
            KafkaProducer<String, ModelRegistryEvent> registry,
            TestModels.Spec spec,
            boolean rollback,
            boolean live) {
        ModelRegistryEvent record = TestModels.publish(service.store, service.workDir, spec, rollback);
        registry.send(new ProducerRecord<>(
                StreamtuneTopics.MODELS_NAME,
                ModelRegistryEvent.versionKey(spec.name(), spec.version()),
                TestManifests.published(record.manifest(), record.uri(), record.manifestSha256())));
        if (live) {
            sendLive(registry, record);
        }
        lastPublished = record;
        return record;
    }

    private static void sendLive(KafkaProducer<String, ModelRegistryEvent> registry, ModelRegistryEvent live) {
        registry.send(
                new ProducerRecord<>(StreamtuneTopics.MODELS_NAME, ModelRegistryEvent.liveKey(live.name()), live));
        registry.flush();
    }

    private static List<Prediction> predictions(Map<String, Object> client) {
        return KafkaTestSupport.readAll(client, StreamtuneTopics.PREDICTIONS_NAME, true).stream()
                .map(r -> PREDICTIONS.deserialize(r.topic(), r.value()))
                .toList();
    }

    private static List<MonitoringEvent> monitoring(Map<String, Object> client) {
        List<MonitoringEvent> events = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r :
                KafkaTestSupport.readAll(client, StreamtuneTopics.MONITORING_NAME, true)) {
            events.add(MONITORING.deserialize(r.topic(), r.value()));
        }
        return events;
    }

    private static List<SwapEvent> swaps(Map<String, Object> client) {
        return monitoring(client).stream()
                .filter(SwapEvent.class::isInstance)
                .map(SwapEvent.class::cast)
                .toList();
    }

    private static void awaitError(Map<String, Object> client, long version) {
        await().pollInterval(Duration.ofMillis(300))
                .atMost(Duration.ofSeconds(90))
                .until(() -> errors(client).stream().anyMatch(e -> e.version() != null && e.version() == version));
    }

    private static List<ErrorEvent> errors(Map<String, Object> client) {
        return monitoring(client).stream()
                .filter(ErrorEvent.class::isInstance)
                .map(ErrorEvent.class::cast)
                .toList();
    }
}
