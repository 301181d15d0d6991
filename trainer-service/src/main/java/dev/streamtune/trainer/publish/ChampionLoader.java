package dev.streamtune.trainer.publish;

import dev.streamtune.common.model.ArtifactVerificationException;
import dev.streamtune.common.model.ArtifactVerifier;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.store.ArtifactStore;
import dev.streamtune.trainer.store.Directories;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;

/** Fetches a published version into a local cache and verifies it (digests, signature, registry digest). */
public final class ChampionLoader {

    /** A verified local copy of a published artifact. */
    public record LocalArtifact(ModelRegistryEvent record, ModelManifest manifest, Path dir) {}

    private final ArtifactStore store;
    private final ArtifactVerifier verifier;
    private final Path cacheDir;

    public ChampionLoader(ArtifactStore store, ArtifactVerifier verifier, Path cacheDir) {
        this.store = store;
        this.verifier = verifier;
        this.cacheDir = cacheDir;
    }

    public LocalArtifact fetch(ModelRegistryEvent record) throws IOException, ArtifactVerificationException {
        Path dir = cacheDir.resolve(record.name() + "-v" + record.version());
        if (Files.isDirectory(dir)) {
            try {
                return new LocalArtifact(record, verifier.verify(dir, record.manifestSha256()), dir);
            } catch (ArtifactVerificationException stale) {
                Directories.deleteRecursively(dir); // fetch again below
            }
        }
        Path partial = cacheDir.resolve(".fetch-" + record.name() + "-v" + record.version() + "-" + System.nanoTime());
        try {
            store.fetch(URI.create(record.uri()), partial);
            ModelManifest manifest = verifier.verify(partial, record.manifestSha256());
            Files.move(partial, dir);
            return new LocalArtifact(record, manifest, dir);
        } finally {
            Directories.deleteRecursively(partial);
        }
    }
}
