package dev.streamtune.trainer.publish;

import dev.streamtune.common.store.ArtifactStore;
import java.io.IOException;
import org.jboss.logging.Logger;

/**
 * Version numbers, monotonic per model: one above the highest the registry knows (rejected versions count), skipping
 * numbers whose artifact already sits complete in the store without an announcement (a run killed between upload and
 * announce: never shown, never overwritten).
 */
public final class VersionAllocator {

    private static final Logger LOG = Logger.getLogger(VersionAllocator.class);

    private final RegistryView registry;
    private final ArtifactStore store;
    private long lastAllocated;

    public VersionAllocator(RegistryView registry, ArtifactStore store) {
        this.registry = registry;
        this.store = store;
    }

    public synchronized long next(String model) throws IOException {
        long version = Math.max(registry.maxVersion(model), lastAllocated) + 1;
        while (store.exists(store.uriOf(model, version))) {
            LOG.warnf(
                    "Artifact %s v%s exists in the store but was never announced (a run died after uploading it);"
                            + " leaving it and using the next version",
                    model, version);
            version++;
        }
        lastAllocated = version;
        return version;
    }
}
