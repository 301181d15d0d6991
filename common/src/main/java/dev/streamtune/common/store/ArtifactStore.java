package dev.streamtune.common.store;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/**
 * Where published model artifacts live. The trainer publishes a sealed local directory; inference services fetch it
 * by the URI the registry record gives. Publication is atomic: a reader never sees a partially written artifact, and a
 * publish that fails or is interrupted leaves nothing a URI points to.
 */
public interface ArtifactStore {

    /**
     * Copies a complete, sealed artifact directory (flat: files only) into the store as {@code model}/{@code version}
     * and returns the URI under which it can be fetched. Publishing the same version twice replaces nothing: it fails.
     */
    URI publish(Path sealedDir, String model, long version) throws IOException;

    /** Copies the artifact at {@code uri} into the empty or absent local directory {@code target}. */
    void fetch(URI uri, Path target) throws IOException;

    /** Whether a complete artifact exists at {@code uri}. */
    boolean exists(URI uri) throws IOException;

    /** The URI an artifact for {@code model}/{@code version} has (or would have) in this store. */
    URI uriOf(String model, long version);
}
