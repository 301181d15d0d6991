package dev.streamtune.common.model;

import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.tokenizer.Truncation;
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
 * @param variants other graphs of the same model in the artifact by {@link ModelVariant} key (e.g. {@code int8});
 *     empty in artifacts that only hold {@code model.onnx}
 * @param truncation which tokens of a text longer than {@code maxLength} the model was trained on, so serving keeps the
 *     same ones; {@link Truncation#HEAD} in artifacts from before the field
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
        Instant createdAt,
        Map<String, ModelVariant> variants,
        Truncation truncation) {

    public static final String FORMAT_ONNX = "onnx";

    public ModelManifest {
        schemaVersion = schemaVersion == 0 ? SchemaVersions.CURRENT : schemaVersion;
        labels = List.copyOf(labels);
        files = files == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(files));
        selfChecks = selfChecks == null ? List.of() : List.copyOf(selfChecks);
        hyperParameters = hyperParameters == null
                ? Map.of()
                : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(hyperParameters));
        variants =
                variants == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(variants));
        truncation = truncation == null ? Truncation.HEAD : truncation;
    }

    /** A manifest of an artifact with {@code model.onnx} only, trained on the beginnings of long texts. */
    public ModelManifest(
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
        this(
                schemaVersion,
                name,
                version,
                baseModel,
                labels,
                maxLength,
                pooling,
                format,
                files,
                validationMetrics,
                testMetrics,
                lineage,
                baselines,
                selfChecks,
                hyperParameters,
                createdAt,
                Map.of(),
                Truncation.HEAD);
    }

    /** This manifest with {@code variants} in place of its own. */
    public ModelManifest withVariants(Map<String, ModelVariant> newVariants) {
        return with(newVariants, truncation);
    }

    /** This manifest with {@code newTruncation} in place of its own. */
    public ModelManifest withTruncation(Truncation newTruncation) {
        return with(variants, newTruncation);
    }

    private ModelManifest with(Map<String, ModelVariant> newVariants, Truncation newTruncation) {
        return new ModelManifest(
                schemaVersion,
                name,
                version,
                baseModel,
                labels,
                maxLength,
                pooling,
                format,
                files,
                validationMetrics,
                testMetrics,
                lineage,
                baselines,
                selfChecks,
                hyperParameters,
                createdAt,
                newVariants,
                newTruncation);
    }

    public int numLabels() {
        return labels.size();
    }
}
