package dev.streamtune.common.model;

import dev.streamtune.common.json.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Seals a model artifact directory: digests every file already in it into the manifest, writes {@code manifest.json}
 * and signs its exact bytes into {@code manifest.sig}. Writing the directory somewhere readers cannot see it yet, then
 * sealing, then moving or uploading it is the caller's job (readers must never see a partial artifact).
 */
public final class ArtifactWriter {

    private ArtifactWriter() {}

    /** The sealed result: the manifest as written, its digest and signature (what the registry record carries). */
    public record Sealed(
            ModelManifest manifest, byte[] manifestBytes, String manifestSha256, ManifestSignature signature) {}

    /**
     * @param manifest everything but {@code files}, which is replaced by the digests of the directory's files
     */
    public static Sealed seal(Path dir, ModelManifest manifest, ManifestSigner signer) {
        Map<String, ArtifactFile> files = new TreeMap<>();
        try (Stream<Path> entries = Files.list(dir)) {
            for (Path file : (Iterable<Path>) entries.sorted()::iterator) {
                String name = file.getFileName().toString();
                if (Files.isRegularFile(file)
                        && !name.equals(ModelArtifact.MANIFEST_FILE)
                        && !name.equals(ModelArtifact.SIGNATURE_FILE)) {
                    files.put(name, ModelArtifact.describe(file));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list artifact directory " + dir, e);
        }
        ModelManifest complete = new ModelManifest(
                manifest.schemaVersion(),
                manifest.name(),
                manifest.version(),
                manifest.baseModel(),
                manifest.labels(),
                manifest.maxLength(),
                manifest.pooling(),
                manifest.format(),
                files,
                manifest.validationMetrics(),
                manifest.testMetrics(),
                manifest.lineage(),
                manifest.baselines(),
                manifest.selfChecks(),
                manifest.hyperParameters(),
                manifest.createdAt(),
                manifest.variants(),
                manifest.truncation());
        byte[] bytes = Json.write(complete);
        ManifestSignature signature = signer.sign(bytes);
        try {
            Files.write(dir.resolve(ModelArtifact.MANIFEST_FILE), bytes);
            Files.write(dir.resolve(ModelArtifact.SIGNATURE_FILE), Json.write(signature));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write manifest into " + dir, e);
        }
        return new Sealed(complete, bytes, ModelArtifact.sha256(bytes), signature);
    }
}
