package dev.streamtune.inference.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.ErrorEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ArtifactWriter;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.S3ArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.inference.engine.BatchClassifier;
import dev.streamtune.inference.engine.BatchPlanner;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.ArtifactStores;
import dev.streamtune.inference.model.ModelLoader;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestManifests;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Registry records are not trusted: a LIVE record whose artifact lies outside the configured store (a {@code ..}
 * path, an absolute path elsewhere, a symbolic link out of the root, an S3 key outside the prefix or bucket), holds a
 * symbolic link, or has an oversized manifest is refused with the reason on the monitoring topic, while the model in
 * service keeps serving. Every refused artifact is validly signed: only the confinement stops it.
 */
@WithEmbeddedKafka(createTopics = false)
class ArtifactConfinementTest {

    private static final String MODEL = ServiceHarness.MODEL;
    private static final String ACCESS_KEY = "streamtune-test";
    private static final String SECRET_KEY = "streamtune-test-secret";
    private static final JsonSerde<MonitoringEvent> MONITORING = JsonSerde.of(MonitoringEvent.class);

    @Test
    void shouldRefuseArtifactsOutsideTheStoreWithTheReasonWhileTheOldModelServes(
            EmbeddedKafkaBroker kafka, @TempDir Path tmp) throws Exception {
        KafkaTestSupport.createTopics(kafka.admin(), 1);
        Map<String, Object> client = kafka.clientProperties();
        S3Proxy s3 = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        s3.start();
        URI endpoint = URI.create("http://127.0.0.1:" + s3.getPort());
        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small());
                S3ArtifactStore trusted = s3Store(endpoint, "models", "streamtune/models");
                S3ArtifactStore elsewhere = s3Store(endpoint, "models", "elsewhere");
                S3ArtifactStore otherBucket = s3Store(endpoint, "other", "streamtune/models");
                ArtifactStores stores = new ArtifactStores(Map.of("file", uri -> service.store, "s3", uri -> trusted));
                KafkaProducer<String, ModelRegistryEvent> registry =
                        new KafkaProducer<>(client, new StringSerializer(), JsonSerde.of(ModelRegistryEvent.class))) {
            trusted.client().createBucket(r -> r.bucket("models"));
            trusted.client().createBucket(r -> r.bucket("other"));
            follower(service, stores, client).start();
            sendLive(registry, TestModels.publish(service.store, service.workDir, TestModels.Spec.valid(MODEL, 1)));
            await().atMost(Duration.ofSeconds(60)).until(() -> Long.valueOf(1).equals(service.holder.version()));

            Path root = service.store.root();
            Path outside = Files.createDirectories(tmp.resolve("outside"));
            // v2: '..' out of the root; v3: an absolute path elsewhere
            sendLive(registry, sealedAt(outside.resolve("v2"), 2, root.toUri() + "../outside/v2/"));
            sendLive(
                    registry,
                    sealedAt(
                            outside.resolve("v3"),
                            3,
                            outside.resolve("v3").toUri().toString()));
            // v4: a version directory inside the root that is a symbolic link out of it
            ModelRegistryEvent v4 = sealedAt(outside.resolve("v4"), 4, null);
            Path link = Files.createSymbolicLink(
                    Files.createDirectories(root.resolve(MODEL)).resolve("v4"), outside.resolve("v4"));
            sendLive(registry, withUri(v4, link.toUri().toString()));
            // v5: a published artifact whose tokenizer.json became a symbolic link
            ModelRegistryEvent v5 = TestModels.publish(service.store, service.workDir, TestModels.Spec.valid(MODEL, 5));
            Path tokenizer = Path.of(URI.create(v5.uri())).resolve(ModelArtifact.TOKENIZER_FILE);
            Path copy = Files.copy(tokenizer, outside.resolve("tokenizer.json"));
            Files.delete(tokenizer);
            Files.createSymbolicLink(tokenizer, copy);
            sendLive(registry, v5);
            // v6: a published artifact with a manifest far over the cap (never parsed)
            ModelRegistryEvent v6 = TestModels.publish(service.store, service.workDir, TestModels.Spec.valid(MODEL, 6));
            Files.write(
                    Path.of(URI.create(v6.uri())).resolve(ModelArtifact.MANIFEST_FILE),
                    " ".repeat(ArtifactVerifier.DEFAULT_MAX_MANIFEST_BYTES + 1).getBytes());
            sendLive(registry, v6);
            // v7: an S3 key outside the configured prefix; v8: another bucket
            sendLive(registry, publishedTo(elsewhere, tmp, 7));
            sendLive(registry, publishedTo(otherBucket, tmp, 8));

            await().pollInterval(Duration.ofMillis(300))
                    .atMost(Duration.ofSeconds(90))
                    .until(() -> errors(client).size() >= 7);
            Map<Long, String> reasons = errors(client).stream()
                    .collect(Collectors.toMap(ErrorEvent::version, ErrorEvent::message, (a, b) -> a));
            assertThat(reasons.get(2L)).startsWith("FETCH").contains("'..' segments are not allowed");
            assertThat(reasons.get(3L)).startsWith("FETCH").contains("outside the artifact store root");
            assertThat(reasons.get(4L))
                    .startsWith("FETCH")
                    .contains("symbolic link")
                    .contains("outside");
            assertThat(reasons.get(5L)).startsWith("FETCH").contains("tokenizer.json is a symbolic link");
            assertThat(reasons.get(6L)).startsWith("VERIFY").contains("manifest.json is larger than");
            assertThat(reasons.get(7L)).startsWith("FETCH").contains("outside the artifact store's prefix");
            assertThat(reasons.get(8L)).startsWith("FETCH").contains("bucket 'other'");
            assertThat(errors(client)).allSatisfy(e -> assertThat(e.component()).isEqualTo("hot-swap"));
            // refused for good: one report each, no retries
            assertThat(errors(client)).hasSize(7).noneMatch(e -> e.message().contains("attempt"));
            assertThat(service.holder.version()).isEqualTo(1L);
            try (var cached = Files.list(tmp.resolve("cache").resolve(MODEL))) {
                assertThat(cached.map(p -> p.getFileName().toString()))
                        .as("nothing refused is left in the cache")
                        .allMatch(name -> name.startsWith("v1-"));
            }
        } finally {
            s3.stop();
        }
    }

    private static S3ArtifactStore s3Store(URI endpoint, String bucket, String prefix) {
        return S3ArtifactStore.create(endpoint, "us-east-1", ACCESS_KEY, SECRET_KEY, true, bucket, prefix);
    }

    /** A follower like the service's, whose loader fetches through {@code stores}. */
    private static RegistryFollower follower(
            ServiceHarness service, ArtifactStores stores, Map<String, Object> client) {
        BatchPlanner planner = new BatchPlanner(16, List.of(16, 32, 64), 4);
        ModelLoader loader = new ModelLoader(
                stores,
                new ArtifactVerifier(TestModels.signer()),
                new BatchClassifier(planner, InferenceMetrics.inMemory()),
                new ModelLoader.Settings(
                        service.workDir.resolveSibling("cache"),
                        1e-4,
                        1,
                        ServiceHarness.Options.small().onnx()));
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new RegistryFollower(
                new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer()),
                loader,
                service.holder,
                service.monitoring("confinement-test"),
                service.metrics,
                new RegistryFollower.Settings(
                        StreamtuneTopics.MODELS_NAME, MODEL, java.util.Optional.empty(), Duration.ofMillis(50)));
    }

    /** A validly sealed and signed artifact written to {@code dir}, announced at {@code uri}. */
    private static ModelRegistryEvent sealedAt(Path dir, long version, String uri) {
        ArtifactWriter.Sealed sealed = TestModels.write(dir, TestModels.Spec.valid(MODEL, version));
        return TestManifests.live(sealed.manifest(), uri, sealed.manifestSha256(), false);
    }

    private static ModelRegistryEvent withUri(ModelRegistryEvent live, String uri) {
        return TestManifests.live(live.manifest(), uri, live.manifestSha256(), false);
    }

    private static ModelRegistryEvent publishedTo(S3ArtifactStore store, Path tmp, long version) throws Exception {
        Path dir = tmp.resolve("s3-v" + version);
        ArtifactWriter.Sealed sealed = TestModels.write(dir, TestModels.Spec.valid(MODEL, version));
        URI uri = store.publish(dir, MODEL, version);
        return TestManifests.live(sealed.manifest(), uri.toString(), sealed.manifestSha256(), false);
    }

    private static void sendLive(KafkaProducer<String, ModelRegistryEvent> registry, ModelRegistryEvent live) {
        registry.send(new ProducerRecord<>(StreamtuneTopics.MODELS_NAME, ModelRegistryEvent.liveKey(MODEL), live));
        registry.flush();
    }

    private static List<ErrorEvent> errors(Map<String, Object> client) {
        return KafkaTestSupport.readAll(client, StreamtuneTopics.MONITORING_NAME, true).stream()
                .map(r -> MONITORING.deserialize(r.topic(), r.value()))
                .filter(ErrorEvent.class::isInstance)
                .map(ErrorEvent.class::cast)
                .toList();
    }
}
