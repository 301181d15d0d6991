package dev.streamtune.inference.model;

import dev.streamtune.common.store.ArtifactRefusedException;
import dev.streamtune.common.store.ArtifactStore;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Fetches artifacts from whichever store a registry URI names: a store per URI scheme, created on first use for the
 * URI's location (an S3 store for its bucket, say), then reused.
 */
public final class ArtifactStores implements AutoCloseable {

    private final Map<String, Function<URI, ArtifactStore>> factories;
    private final Map<String, ArtifactStore> opened = new ConcurrentHashMap<>();

    /** @param factories per scheme, a store able to fetch the given URI */
    public ArtifactStores(Map<String, Function<URI, ArtifactStore>> factories) {
        this.factories = Map.copyOf(factories);
    }

    /** Fixed stores per scheme. */
    public static ArtifactStores of(Map<String, ArtifactStore> stores) {
        Map<String, Function<URI, ArtifactStore>> factories = new java.util.HashMap<>();
        stores.forEach((scheme, store) -> factories.put(scheme, uri -> store));
        return new ArtifactStores(factories);
    }

    public void fetch(URI uri, Path target) throws IOException {
        String scheme = uri.getScheme() == null ? "file" : uri.getScheme();
        Function<URI, ArtifactStore> factory = factories.get(scheme);
        if (factory == null) {
            throw new ArtifactRefusedException(
                    "no artifact store for scheme '" + scheme + "' (configured: " + factories.keySet() + ")");
        }
        ArtifactStore store;
        try {
            store = opened.computeIfAbsent(scheme + "://" + uri.getAuthority(), k -> factory.apply(uri));
        } catch (RuntimeException e) {
            // a configuration problem (no bucket configured, say): retrying will not change it
            throw new ArtifactRefusedException("cannot open the artifact store for " + uri + ": " + e.getMessage());
        }
        store.fetch(uri, target);
    }

    @Override
    public void close() {
        for (ArtifactStore store : opened.values()) {
            if (store instanceof AutoCloseable closeable) {
                try {
                    closeable.close();
                } catch (Exception e) {
                    // closing an HTTP client: nothing left to do
                }
            }
        }
        opened.clear();
    }
}
