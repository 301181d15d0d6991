package dev.streamtune.inference.model;

import dev.streamtune.common.store.ArtifactStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;

/** Fetches artifacts from whichever store a registry URI names, by its scheme. */
public final class ArtifactStores {

    private final Map<String, ArtifactStore> byScheme;

    public ArtifactStores(Map<String, ArtifactStore> byScheme) {
        this.byScheme = Map.copyOf(byScheme);
    }

    public void fetch(URI uri, Path target) throws IOException {
        String scheme = uri.getScheme() == null ? "file" : uri.getScheme();
        ArtifactStore store = byScheme.get(scheme);
        if (store == null) {
            throw new IOException(
                    "no artifact store for scheme '" + scheme + "' (configured: " + byScheme.keySet() + ")");
        }
        store.fetch(uri, target);
    }
}
