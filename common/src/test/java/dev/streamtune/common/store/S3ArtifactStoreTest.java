package dev.streamtune.common.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ArtifactWriter;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelArtifact;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.Pooling;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/** The S3 store against a real S3 API server (S3Proxy, in-memory blob store) on loopback. */
class S3ArtifactStoreTest {

    private static final String ACCESS_KEY = "streamtune-test";
    private static final String SECRET_KEY = "streamtune-test-secret";
    private static final String BUCKET = "models";
    private static final ManifestSigner SIGNER =
            ManifestSigner.hmac("test-key", "0123456789abcdef0123456789abcdef-test");

    private static S3Proxy server;
    private static S3ArtifactStore store;
    private static S3Client raw;

    @TempDir
    Path tmp;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        server.start();
        URI endpoint = URI.create("http://127.0.0.1:" + server.getPort());
        store = S3ArtifactStore.create(endpoint, "us-east-1", ACCESS_KEY, SECRET_KEY, true, BUCKET, "/streamtune/");
        raw = S3ArtifactStore.create(endpoint, "us-east-1", ACCESS_KEY, SECRET_KEY, true, BUCKET, "")
                .client();
        raw.createBucket(r -> r.bucket(BUCKET));
    }

    @AfterAll
    static void stopServer() throws Exception {
        store.close();
        raw.close();
        server.stop();
    }

    @Test
    void shouldPublishAnArtifactThatFetchesAndVerifies() throws Exception {
        Path sealed = sealedArtifact("spam", 1);

        URI uri = store.publish(sealed, "spam", 1);

        assertThat(uri).isEqualTo(URI.create("s3://models/streamtune/spam/v1/"));
        assertThat(store.exists(uri)).isTrue();
        Path fetched = tmp.resolve("fetched");
        store.fetch(uri, fetched);
        ModelManifest manifest = new ArtifactVerifier(SIGNER)
                .verify(fetched, ModelArtifact.sha256(sealed.resolve(ModelArtifact.MANIFEST_FILE)));
        assertThat(manifest.version()).isEqualTo(1);
        assertThat(Files.readString(fetched.resolve(ModelArtifact.MODEL_FILE))).isEqualTo("onnx bytes of spam v1");
        try (var files = Files.list(fetched)) {
            assertThat(files.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(
                            ModelArtifact.MODEL_FILE,
                            ModelArtifact.TOKENIZER_FILE,
                            ModelArtifact.MANIFEST_FILE,
                            ModelArtifact.SIGNATURE_FILE);
        }
    }

    @Test
    void shouldRefuseUrisOutsideItsBucketOrPrefix() throws Exception {
        URI published = store.publish(sealedArtifact("confined", 1), "confined", 1);
        raw.createBucket(r -> r.bucket("other"));
        // a complete-looking artifact outside the prefix, and one in another bucket
        for (String key : List.of("elsewhere/confined/v1/", "streamtune/../elsewhere/confined/v1/")) {
            raw.putObject(
                    r -> r.bucket(BUCKET).key(key + S3ArtifactStore.COMPLETE_MARKER),
                    RequestBody.fromString("{\"files\":{\"manifest.json\":2}}"));
        }

        assertThat(store.exists(published)).isTrue();
        for (String uri : List.of(
                "s3://other/streamtune/confined/v1/",
                "s3://models/elsewhere/confined/v1/",
                "s3://models/streamtune/../elsewhere/confined/v1/",
                "s3://models/streamtune//confined/v1/",
                "s3://models/streamtune/")) {
            assertThat(store.exists(URI.create(uri))).as(uri).isFalse();
            assertThatThrownBy(() -> store.fetch(URI.create(uri), tmp.resolve("f-" + System.nanoTime())))
                    .as(uri)
                    .isInstanceOf(ArtifactRefusedException.class)
                    .hasMessageContaining("refusing artifact URI");
        }
        assertThatThrownBy(() -> store.fetch(URI.create("s3://other/streamtune/confined/v1/"), tmp.resolve("f")))
                .hasMessageContaining("bucket 'other'");
        assertThatThrownBy(() -> store.fetch(URI.create("s3://models/elsewhere/confined/v1/"), tmp.resolve("f")))
                .hasMessageContaining("outside the artifact store's prefix");
    }

    @Test
    void shouldRefuseToPublishTheSameVersionTwice() throws Exception {
        Path sealed = sealedArtifact("twice", 3);
        store.publish(sealed, "twice", 3);

        assertThatThrownBy(() -> store.publish(sealed, "twice", 3)).isInstanceOf(FileAlreadyExistsException.class);
    }

    @Test
    void shouldNeverShowAnUploadThatStoppedBeforeItsCompletionMarker() throws Exception {
        // what a publisher killed mid-upload leaves behind: some files, no marker
        String prefix = "streamtune/crashed/v2/";
        raw.putObject(r -> r.bucket(BUCKET).key(prefix + ModelArtifact.MODEL_FILE), RequestBody.fromString("half"));
        raw.putObject(r -> r.bucket(BUCKET).key(prefix + "stale.bin"), RequestBody.fromString("stale"));
        URI uri = store.uriOf("crashed", 2);

        assertThat(store.exists(uri)).isFalse();
        assertThatThrownBy(() -> store.fetch(uri, tmp.resolve("nothing")))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("no complete artifact");

        // the next publish of that version replaces the leftovers completely
        store.publish(sealedArtifact("crashed", 2), "crashed", 2);
        Path fetched = tmp.resolve("fetched");
        store.fetch(uri, fetched);
        new ArtifactVerifier(SIGNER).verify(fetched, null);
        assertThat(raw.listObjectsV2(r -> r.bucket(BUCKET).prefix(prefix)).contents())
                .noneMatch(o -> o.key().endsWith("stale.bin"));
    }

    @Test
    void shouldReportAFailedUploadAsIOExceptionAndShowNothing() throws Exception {
        try (S3ArtifactStore noBucket = S3ArtifactStore.create(
                URI.create("http://127.0.0.1:" + server.getPort()),
                "us-east-1",
                ACCESS_KEY,
                SECRET_KEY,
                true,
                "no-such-bucket",
                "")) {
            assertThatThrownBy(() -> noBucket.publish(sealedArtifact("lost", 1), "lost", 1))
                    .isInstanceOf(IOException.class)
                    .hasMessageContaining("no-such-bucket");
        }
    }

    @Test
    void shouldRefuseADirectoryThatWasNeverSealed() throws Exception {
        Path unsealed = Files.createDirectories(tmp.resolve("unsealed"));
        Files.writeString(unsealed.resolve(ModelArtifact.MODEL_FILE), "onnx");

        assertThatThrownBy(() -> store.publish(unsealed, "unsealed", 1))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("not a sealed artifact");
        assertThat(store.exists(store.uriOf("unsealed", 1))).isFalse();
    }

    private Path sealedArtifact(String name, long version) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name + "-v" + version + "-" + System.nanoTime()));
        Files.writeString(dir.resolve(ModelArtifact.MODEL_FILE), "onnx bytes of " + name + " v" + version);
        Files.write(dir.resolve(ModelArtifact.TOKENIZER_FILE), "{\"model\":{}}".getBytes(StandardCharsets.UTF_8));
        ModelManifest manifest = new ModelManifest(
                0,
                name,
                version,
                "test-base",
                List.of("ham", "spam"),
                64,
                Pooling.MEAN,
                ModelManifest.FORMAT_ONNX,
                Map.of(),
                null,
                null,
                null,
                null,
                List.of(),
                Map.of(),
                Instant.parse("2026-01-01T00:00:00Z"));
        ArtifactWriter.seal(dir, manifest, SIGNER);
        return dir;
    }
}
