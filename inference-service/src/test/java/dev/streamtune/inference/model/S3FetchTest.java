package dev.streamtune.inference.model;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ArtifactWriter;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.S3ArtifactStore;
import dev.streamtune.inference.engine.BatchClassifier;
import dev.streamtune.inference.engine.BatchPlanner;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.support.TestManifests;
import dev.streamtune.inference.support.TestModels;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A model the trainer published to S3 (S3Proxy on loopback) is fetched by its s3:// URI, verified and served. */
class S3FetchTest {

    private static final String ACCESS_KEY = "streamtune-test";
    private static final String SECRET_KEY = "streamtune-test-secret";

    @Test
    void shouldLoadAModelPublishedToS3(@TempDir Path tmp) throws Exception {
        S3Proxy server = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        server.start();
        URI endpoint = URI.create("http://127.0.0.1:" + server.getPort());
        try (S3ArtifactStore publisher = S3ArtifactStore.create(
                        endpoint, "us-east-1", ACCESS_KEY, SECRET_KEY, true, "models", "streamtune/models");
                ArtifactStores stores = new ArtifactStores(Map.of(
                        "s3",
                        uri -> S3ArtifactStore.create(
                                endpoint, "us-east-1", ACCESS_KEY, SECRET_KEY, true, uri.getHost(), "")))) {
            publisher.client().createBucket(r -> r.bucket("models"));
            ArtifactWriter.Sealed sealed =
                    TestModels.write(tmp.resolve("sealed"), TestModels.Spec.valid("spam-filter", 7));
            URI uri = publisher.publish(tmp.resolve("sealed"), "spam-filter", 7);
            ModelRegistryEvent live =
                    TestManifests.live(sealed.manifest(), uri.toString(), sealed.manifestSha256(), false);
            BatchPlanner planner = new BatchPlanner(8, List.of(64), 1);
            ModelLoader loader = new ModelLoader(
                    stores,
                    new ArtifactVerifier(TestModels.signer()),
                    new BatchClassifier(planner, InferenceMetrics.inMemory()),
                    new ModelLoader.Settings(tmp.resolve("cache"), 1e-4, 1, OnnxRuntimes.Settings.DEFAULTS));

            LoadedModel model = loader.load(live);

            assertThat(uri.getScheme()).isEqualTo("s3");
            assertThat(model.version()).isEqualTo(7);
            assertThat(new BatchClassifier(planner, InferenceMetrics.inMemory()).classify(model, List.of("hello")))
                    .hasSize(1);
            model.release();
        } finally {
            server.stop();
        }
    }
}
