package dev.streamtune.trainer.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.S3ArtifactStore;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import dev.streamtune.trainer.TestExamples;
import dev.streamtune.trainer.training.RunOutcome;
import java.net.URI;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.DeleteObjectRequest;
import software.amazon.awssdk.services.s3.model.DeleteObjectResponse;
import software.amazon.awssdk.services.s3.model.GetObjectRequest;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Request;
import software.amazon.awssdk.services.s3.model.ListObjectsV2Response;
import software.amazon.awssdk.services.s3.model.PutObjectRequest;
import software.amazon.awssdk.services.s3.model.PutObjectResponse;

/**
 * The trainer publishing to an S3-compatible store (S3Proxy on loopback) is killed after some of the artifact's
 * objects are uploaded: nothing is announced, readers see no model, and the restarted trainer publishes the same
 * version completely over the leftovers.
 */
@WithEmbeddedKafka
class S3KilledUploadTest {

    private static final ManifestSigner SIGNER = ManifestSigner.hmac("test", "s3-killed-upload-secret-0123456789abc");
    private static final String KEY = "test-access";
    private static final String SECRET = "test-secret";

    @TempDir
    Path tmp;

    private S3Proxy server;
    private S3ArtifactStore plain;

    @BeforeEach
    void startServer() throws Exception {
        server = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, KEY, SECRET)
                .build();
        server.start();
        plain = S3ArtifactStore.create(
                URI.create("http://127.0.0.1:" + server.getPort()), "us-east-1", KEY, SECRET, true, "models", "st");
        plain.client().createBucket(r -> r.bucket("models"));
    }

    @AfterEach
    void stopServer() throws Exception {
        plain.close();
        server.stop();
    }

    @Test
    void shouldNeverAnnounceAnUploadKilledHalfway(EmbeddedKafkaBroker kafka) throws Exception {
        String model = "s3-killed";
        var registry = new TopicRegistryView(StreamtuneTopics.MODELS_NAME, kafka.clientProperties());
        var harness = new RunHarness(kafka, tmp.resolve("work"), SIGNER);
        var dying = new S3ArtifactStore(new DyingS3Client(plain.client(), 2), "models", "st");

        assertThatThrownBy(() ->
                        harness.run(model, dying, registry, new FixedDataset(TestExamples.dataset("s", 60)), false))
                .isInstanceOf(KilledRunTest.SimulatedKill.class);

        var leftovers = plain.client().listObjectsV2(r -> r.bucket("models").prefix("st/" + model + "/v1/"));
        assertThat(leftovers.contents()).hasSize(2); // half an artifact really is in the bucket
        assertThat(plain.exists(plain.uriOf(model, 1))).isFalse();
        assertThat(registry.read().keySet()).noneMatch(k -> k.startsWith(model));

        RunOutcome restarted =
                harness.run(model, plain, registry, new FixedDataset(TestExamples.dataset("s", 60)), false);

        assertThat(restarted.status()).isEqualTo(RunOutcome.Status.PUBLISHED);
        assertThat(restarted.version()).isEqualTo(1);
        ModelRegistryEvent live = registry.live(model).orElseThrow();
        assertThat(live.uri()).startsWith("s3://models/st/" + model + "/v1");
        Path fetched = tmp.resolve("reader");
        plain.fetch(URI.create(live.uri()), fetched);
        assertThat(new ArtifactVerifier(SIGNER)
                        .verify(fetched, live.manifestSha256())
                        .files())
                .containsKeys(ModelArtifact.MODEL_FILE, ModelArtifact.TOKENIZER_FILE);
    }

    /** An S3 client whose process dies after {@code allowedPuts} uploads. */
    private record DyingS3Client(S3Client delegate, int allowedPuts, AtomicInteger puts) implements S3Client {
        DyingS3Client(S3Client delegate, int allowedPuts) {
            this(delegate, allowedPuts, new AtomicInteger());
        }

        @Override
        public PutObjectResponse putObject(PutObjectRequest request, RequestBody body) {
            if (puts.incrementAndGet() > allowedPuts) {
                throw new KilledRunTest.SimulatedKill("while uploading " + request.key());
            }
            return delegate.putObject(request, body);
        }

        @Override
        public <T> T getObject(GetObjectRequest request, ResponseTransformer<GetObjectResponse, T> transformer) {
            return delegate.getObject(request, transformer);
        }

        @Override
        public ListObjectsV2Response listObjectsV2(ListObjectsV2Request request) {
            return delegate.listObjectsV2(request);
        }

        @Override
        public DeleteObjectResponse deleteObject(DeleteObjectRequest request) {
            return delegate.deleteObject(request);
        }

        @Override
        public String serviceName() {
            return delegate.serviceName();
        }

        @Override
        public void close() {}
    }
}
