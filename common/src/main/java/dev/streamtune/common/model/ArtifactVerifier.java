package dev.streamtune.common.model;

import dev.streamtune.common.json.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Checks a model artifact directory before anything loads it: the manifest's own digest against the registry record,
 * its signature, and the SHA-256 and size of every file it lists. Any mismatch is an
 * {@link ArtifactVerificationException} naming the file.
 */
public final class ArtifactVerifier {

    private final ManifestSigner signer;

    public ArtifactVerifier(ManifestSigner signer) {
        this.signer = Objects.requireNonNull(signer, "signer");
    }

    /**
     * Verifies {@code dir} and returns its manifest.
     *
     * @param expectedManifestSha256 from the registry record; null to skip that check (a directory given in config)
     */
    public ModelManifest verify(Path dir, String expectedManifestSha256) throws ArtifactVerificationException {
        byte[] manifestBytes = read(dir.resolve(ModelArtifact.MANIFEST_FILE));
        if (expectedManifestSha256 != null && !expectedManifestSha256.equals(ModelArtifact.sha256(manifestBytes))) {
            throw new ArtifactVerificationException(
                    "manifest.json digest does not match the registry record: the artifact at " + dir
                            + " is not the version that was announced");
        }
        ManifestSignature signature;
        try {
            signature =
                    Json.mapper().readValue(read(dir.resolve(ModelArtifact.SIGNATURE_FILE)), ManifestSignature.class);
        } catch (IOException e) {
            throw new ArtifactVerificationException("manifest.sig is not a readable signature: " + e.getMessage(), e);
        }
        if (!signer.verify(manifestBytes, signature)) {
            throw new ArtifactVerificationException("bad signature on manifest.json (algorithm " + signature.algorithm()
                    + ", key id " + signature.keyId() + "; this service trusts key id " + signer.keyId() + ")");
        }
        ModelManifest manifest;
        try {
            manifest = Json.mapper().readValue(manifestBytes, ModelManifest.class);
        } catch (IOException e) {
            throw new ArtifactVerificationException("manifest.json is not a valid manifest: " + e.getMessage(), e);
        }
        for (String required : new String[] {ModelArtifact.MODEL_FILE, ModelArtifact.TOKENIZER_FILE}) {
            if (!manifest.files().containsKey(required)) {
                throw new ArtifactVerificationException("manifest.json does not list " + required);
            }
        }
        for (Map.Entry<String, ArtifactFile> entry : manifest.files().entrySet()) {
            Path file = dir.resolve(entry.getKey()).normalize();
            if (!file.startsWith(dir.normalize()) || !Files.isRegularFile(file)) {
                throw new ArtifactVerificationException("missing or invalid file " + entry.getKey() + " in " + dir);
            }
            ArtifactFile actual = ModelArtifact.describe(file);
            if (!actual.sha256().equals(entry.getValue().sha256())
                    || actual.bytes() != entry.getValue().bytes()) {
                throw new ArtifactVerificationException("file " + entry.getKey() + " does not match its manifest digest"
                        + " (expected " + entry.getValue().sha256() + ", "
                        + entry.getValue().bytes() + " bytes; found "
                        + actual.sha256() + ", " + actual.bytes() + " bytes)");
            }
        }
        return manifest;
    }

    private static byte[] read(Path file) throws ArtifactVerificationException {
        try {
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ArtifactVerificationException("cannot read " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }
}
