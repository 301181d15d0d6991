package dev.streamtune.common.model;

import dev.streamtune.common.event.SchemaVersions;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a published model: what the model is, how to feed it, how good it was and what it was
 * trained on. Its own bytes are signed ({@code manifest.sig}); it holds the SHA-256 of every other file.
 *
 * @param baseModel the pre-trained checkpoint fine-tuning started from
 * @param labels label names in the index order of the model's outputs
 * @param maxLength longest token sequence the model was trained with; longer inputs are truncated
 * @param files every other file of the artifact by name
 * @param validationMetrics metrics on the validation split
 * @param testMetrics metrics on the test split
 * @param hyperParameters the fine-tuning settings used
 */
public record ModelManifest(
        int schemaVersion,
        String name,
        long version,
        String baseModel,
        List<String> labels,
        int maxLength,
        Pooling pooling,
        String format,
        Map<String, ArtifactFile> files,
        ClassificationMetrics validationMetrics,
        ClassificationMetrics testMetrics,
        TrainingLineage lineage,
        DriftBaselines baselines,
        List<SelfCheck> selfChecks,
        Map<String, Object> hyperParameters,
        Instant createdAt) {

    public static final String FORMAT_ONNX = "onnx";

    public ModelManifest {
        schemaVersion = schemaVersion == 0 ? SchemaVersions.CURRENT : schemaVersion;
        labels = List.copyOf(labels);
        files = files == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(files));
        selfChecks = selfChecks == null ? List.of() : List.copyOf(selfChecks);
        hyperParameters = hyperParameters == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(hyperParameters));
    }

    public int numLabels() {
        return labels.size();
    }
}
