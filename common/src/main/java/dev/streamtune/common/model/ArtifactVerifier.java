package dev.streamtune.common.model;

import dev.streamtune.common.json.Json;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;

/**
 * Checks a model artifact directory before anything loads it: the manifest's own digest against the registry record,
 * its signature, and the SHA-256 and size of every file it lists. Any mismatch is an
 * {@link ArtifactVerificationException} naming the file. Nothing is parsed before it is known to be small enough
 * ({@code manifest.json} at most {@code maxManifestBytes}), and no symbolic link is followed.
 */
public final class ArtifactVerifier {

    /** Default cap on {@code manifest.json}: far above what a manifest with many labels and baselines needs. */
    public static final int DEFAULT_MAX_MANIFEST_BYTES = 1 << 20;

    /** Cap on {@code manifest.sig} (a key id, an algorithm name and one signature). */
    static final int MAX_SIGNATURE_BYTES = 16 * 1024;

    private final ManifestSigner signer;
    private final int maxManifestBytes;

    public ArtifactVerifier(ManifestSigner signer) {
        this(signer, DEFAULT_MAX_MANIFEST_BYTES);
    }

    /** @param maxManifestBytes a larger {@code manifest.json} is refused before it is read */
    public ArtifactVerifier(ManifestSigner signer, int maxManifestBytes) {
        this.signer = Objects.requireNonNull(signer, "signer");
        if (maxManifestBytes < 1) {
            throw new IllegalArgumentException("maxManifestBytes must be positive");
        }
        this.maxManifestBytes = maxManifestBytes;
    }

    /**
     * Verifies {@code dir} and returns its manifest.
     *
     * @param expectedManifestSha256 from the registry record; null to skip that check (a directory given in config)
     */
    public ModelManifest verify(Path dir, String expectedManifestSha256) throws ArtifactVerificationException {
        byte[] manifestBytes = read(dir.resolve(ModelArtifact.MANIFEST_FILE), maxManifestBytes);
        if (expectedManifestSha256 != null && !expectedManifestSha256.equals(ModelArtifact.sha256(manifestBytes))) {
            throw new ArtifactVerificationException(
                    "manifest.json digest does not match the registry record: the artifact at " + dir
                            + " is not the version that was announced");
        }
        ManifestSignature signature;
        try {
            signature = Json.mapper()
                    .readValue(
                            read(dir.resolve(ModelArtifact.SIGNATURE_FILE), MAX_SIGNATURE_BYTES),
                            ManifestSignature.class);
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
            String name = entry.getKey();
            if (name.isEmpty() || name.equals(".") || name.equals("..") || name.contains("/") || name.contains("\\")) {
                throw new ArtifactVerificationException("invalid file name '" + name + "' in the manifest");
            }
            Path file = dir.resolve(name);
            if (Files.isSymbolicLink(file)) {
                throw new ArtifactVerificationException(
                        entry.getKey() + " in " + dir + " is a symbolic link; an artifact holds only plain files");
            }
            if (!Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)) {
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

    /** At most {@code max} bytes of a plain file; a larger one or a symbolic link is refused unread. */
    private static byte[] read(Path file, int max) throws ArtifactVerificationException {
        if (Files.isSymbolicLink(file)) {
            throw new ArtifactVerificationException(
                    file.getFileName() + " is a symbolic link; an artifact holds only plain files");
        }
        try (InputStream in = Files.newInputStream(file, LinkOption.NOFOLLOW_LINKS)) {
            byte[] bytes = in.readNBytes(max + 1);
            if (bytes.length > max) {
                throw new ArtifactVerificationException(
                        file.getFileName() + " is larger than " + max + " bytes; refused before parsing");
            }
            return bytes;
        } catch (IOException e) {
            throw new ArtifactVerificationException("cannot read " + file.getFileName() + ": " + e.getMessage(), e);
        }
    }
}
