package dev.streamtune.inference.support;

import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.model.DriftBaselines;
import dev.streamtune.common.model.Histogram;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.tokenizer.Truncation;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Manifests and registry records for tests. */
public final class TestManifests {

    public static final List<String> LABELS = List.of("ham", "spam");

    private TestManifests() {}

    /** Baselines of a balanced two-label model: 50/50 prior, confidence 0.9, ~20 tokens, 1% unknown tokens. */
    public static DriftBaselines balancedBaselines(List<String> labels) {
        Map<String, Double> prior = new LinkedHashMap<>();
        labels.forEach(l -> prior.put(l, 1.0 / labels.size()));
        return new DriftBaselines(
                prior,
                new Histogram(List.of(0.0, 0.5, 0.8, 1.0), List.of(0.0, 0.1, 0.9)),
                new Histogram(List.of(0.0, 16.0, 32.0, 64.0, 512.0), List.of(0.25, 0.75, 0.0, 0.0)),
                0.9,
                0.33,
                20.0,
                0.01,
                200);
    }

    public static ModelManifest manifest(
            String name, long version, List<String> labels, int maxLength, List<SelfCheck> selfChecks) {
        return manifest(name, version, labels, maxLength, Truncation.HEAD, selfChecks);
    }

    public static ModelManifest manifest(
            String name,
            long version,
            List<String> labels,
            int maxLength,
            Truncation truncation,
            List<SelfCheck> selfChecks) {
        return new ModelManifest(
                SchemaVersions.CURRENT,
                name,
                version,
                "tiny-random-bert",
                labels,
                maxLength,
                Pooling.CLS,
                ModelManifest.FORMAT_ONNX,
                Map.of(),
                null,
                null,
                null,
                balancedBaselines(labels),
                selfChecks,
                Map.of(),
                Instant.parse("2025-01-01T00:00:00Z"),
                Map.of(),
                truncation);
    }

    /** A version record (key {@code name/v<version>}) carrying the manifest. */
    public static ModelRegistryEvent published(ModelManifest manifest, String uri, String sha256) {
        return new ModelRegistryEvent(
                SchemaVersions.CURRENT,
                manifest.name(),
                manifest.version(),
                RegistryStatus.PUBLISHED,
                uri,
                sha256,
                null,
                manifest,
                false,
                List.of(),
                Instant.now());
    }

    /** The LIVE record (key {@code name}) for a version. */
    public static ModelRegistryEvent live(ModelManifest manifest, String uri, String sha256, boolean rollback) {
        return new ModelRegistryEvent(
                SchemaVersions.CURRENT,
                manifest.name(),
                manifest.version(),
                RegistryStatus.LIVE,
                uri,
                sha256,
                null,
                manifest,
                rollback,
                List.of(),
                Instant.now());
    }
}
