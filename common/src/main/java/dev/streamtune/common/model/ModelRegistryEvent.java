package dev.streamtune.common.model;

import dev.streamtune.common.event.SchemaVersions;
import java.time.Instant;
import java.util.List;

/**
 * A record on the compacted models topic. Under the key {@link #liveKey(String) name} it says which version is live
 * (compaction keeps the latest); under {@link #versionKey(String, long) name/v<version>} it records each version's
 * fate.
 *
 * @param uri where the artifact directory is ({@code file:...} or {@code s3://bucket/prefix})
 * @param manifestSha256 SHA-256 of the exact {@code manifest.json} bytes
 * @param rollback on a LIVE record: this version was promoted explicitly even though a newer one was live
 * @param reasons on a REJECTED record: why
 */
public record ModelRegistryEvent(
        int schemaVersion,
        String name,
        long version,
        RegistryStatus status,
        String uri,
        String manifestSha256,
        ManifestSignature signature,
        ModelManifest manifest,
        boolean rollback,
        List<String> reasons,
        Instant ts) {

    public ModelRegistryEvent {
        schemaVersion = schemaVersion == 0 ? SchemaVersions.CURRENT : schemaVersion;
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }

    public static String liveKey(String name) {
        return name;
    }

    public static String versionKey(String name, long version) {
        return name + "/v" + version;
    }

    public String key() {
        return status == RegistryStatus.LIVE ? liveKey(name) : versionKey(name, version);
    }
}
