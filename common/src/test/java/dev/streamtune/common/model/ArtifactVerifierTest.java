package dev.streamtune.common.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.common.Samples;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactVerifierTest {

    private static final ManifestSigner SIGNER = ManifestSigner.hmac("k1", "0123456789abcdef0123456789abcdef");

    @TempDir
    Path dir;

    private ArtifactWriter.Sealed sealed;

    @BeforeEach
    void writeArtifact() throws IOException {
        Files.write(dir.resolve(ModelArtifact.MODEL_FILE), new byte[] {8, 1, 2, 3, 4});
        Files.writeString(dir.resolve(ModelArtifact.TOKENIZER_FILE), "{\"model\":{}}");
        sealed = ArtifactWriter.seal(dir, Samples.manifest(), SIGNER);
    }

    @Test
    void shouldSealEveryFileIntoTheManifest() throws Exception {
        ModelManifest manifest = new ArtifactVerifier(SIGNER).verify(dir, sealed.manifestSha256());

        assertThat(manifest.files()).containsOnlyKeys(ModelArtifact.MODEL_FILE, ModelArtifact.TOKENIZER_FILE);
        assertThat(manifest.files().get(ModelArtifact.MODEL_FILE).bytes()).isEqualTo(5);
        assertThat(sealed.manifestSha256()).isEqualTo(ModelArtifact.sha256(dir.resolve(ModelArtifact.MANIFEST_FILE)));
        assertThat(manifest.labels()).isEqualTo(Samples.manifest().labels());
    }

    @Test
    void shouldRejectAModifiedModelFileNamingIt() throws IOException {
        Files.write(dir.resolve(ModelArtifact.MODEL_FILE), new byte[] {8, 1, 2, 3, 5});

        assertThatThrownBy(() -> new ArtifactVerifier(SIGNER).verify(dir, sealed.manifestSha256()))
                .isInstanceOf(ArtifactVerificationException.class)
                .hasMessageContaining("model.onnx")
                .hasMessageContaining("digest");
    }

    @Test
    void shouldRejectAMissingFile() throws IOException {
        Files.delete(dir.resolve(ModelArtifact.TOKENIZER_FILE));

        assertThatThrownBy(() -> new ArtifactVerifier(SIGNER).verify(dir, null))
                .isInstanceOf(ArtifactVerificationException.class)
                .hasMessageContaining("tokenizer.json");
    }

    @Test
    void shouldRejectAManifestSignedWithAnotherKey() {
        var other = ManifestSigner.hmac("k1", "another-secret-another-secret-another");

        assertThatThrownBy(() -> new ArtifactVerifier(other).verify(dir, sealed.manifestSha256()))
                .isInstanceOf(ArtifactVerificationException.class)
                .hasMessageContaining("bad signature");
    }

    @Test
    void shouldRejectAnEditedManifestEvenWithoutARegistryDigest() throws IOException {
        String manifest = Files.readString(dir.resolve(ModelArtifact.MANIFEST_FILE));
        Files.writeString(dir.resolve(ModelArtifact.MANIFEST_FILE), manifest.replace("\"ham\"", "\"HAM\""));

        assertThatThrownBy(() -> new ArtifactVerifier(SIGNER).verify(dir, null))
                .isInstanceOf(ArtifactVerificationException.class)
                .hasMessageContaining("bad signature");
    }

    @Test
    void shouldRejectAnArtifactThatIsNotTheAnnouncedVersion() {
        assertThatThrownBy(() -> new ArtifactVerifier(SIGNER).verify(dir, "b".repeat(64)))
                .isInstanceOf(ArtifactVerificationException.class)
                .hasMessageContaining("registry record");
    }

    @Test
    void shouldRefuseAnOversizedManifestBeforeParsingIt() throws IOException {
        Files.write(dir.resolve(ModelArtifact.MANIFEST_FILE), new byte[4096]); // not even JSON

        assertThatThrownBy(() -> new ArtifactVerifier(SIGNER, 1024).verify(dir, null))
                .isInstanceOf(ArtifactVerificationException.class)
                .hasMessageContaining("manifest.json is larger than 1024 bytes");
    }

    @Test
    void shouldRefuseASymbolicLinkInTheArtifact(@TempDir Path elsewhere) throws IOException {
        Path model = dir.resolve(ModelArtifact.MODEL_FILE);
        Path real = Files.move(model, elsewhere.resolve("model.onnx"));
        Files.createSymbolicLink(model, real);

        assertThatThrownBy(() -> new ArtifactVerifier(SIGNER).verify(dir, sealed.manifestSha256()))
                .isInstanceOf(ArtifactVerificationException.class)
                .hasMessageContaining("model.onnx")
                .hasMessageContaining("symbolic link");
    }
}
