package dev.streamtune.trainer.bert.export;

import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.model.ArtifactWriter;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.DriftBaselines;
import dev.streamtune.common.model.ManifestSigner;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelVariant;
import dev.streamtune.common.model.Pooling;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.model.TrainingLineage;
import dev.streamtune.common.tokenizer.Truncation;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * An artifact directory holding {@code model.onnx}, {@code tokenizer.json} and {@code config.json}, with what its
 * manifest needs to say about the model. Not sealed yet: {@link #seal} (or the caller, after adding lineage and
 * baselines) writes {@code manifest.json} and {@code manifest.sig}.
 *
 * @param selfChecks inputs with the probabilities the trained model gave them
 * @param parityMaxAbsDiff largest difference between ONNX Runtime's and DJL's logits or probabilities on the
 *     self-checks and an over-length text
 * @param int8 the dynamically quantized graph in the directory, null when the export left it out
 */
public record ExportedModel(
        Path dir,
        String baseModel,
        List<String> labels,
        int maxLength,
        Truncation truncation,
        Pooling pooling,
        Map<String, Object> hyperParameters,
        List<SelfCheck> selfChecks,
        double parityMaxAbsDiff,
        ModelVariant int8) {

    public ExportedModel {
        labels = List.copyOf(labels);
        hyperParameters = Map.copyOf(hyperParameters);
        selfChecks = List.copyOf(selfChecks);
    }

    /** This model with the ONNX Runtime vs DJL difference its export measured. */
    public ExportedModel withParityMaxAbsDiff(double diff) {
        return new ExportedModel(
                dir, baseModel, labels, maxLength, truncation, pooling, hyperParameters, selfChecks, diff, int8);
    }

    /** This model with its int8 graph described (test metrics filled in by the caller that has a test split). */
    public ExportedModel withInt8(ModelVariant variant) {
        return new ExportedModel(
                dir,
                baseModel,
                labels,
                maxLength,
                truncation,
                pooling,
                hyperParameters,
                selfChecks,
                parityMaxAbsDiff,
                variant);
    }

    /** The manifest of this artifact; {@code files} is filled in by {@link ArtifactWriter#seal}. */
    public ModelManifest manifest(
            String name,
            long version,
            ClassificationMetrics validationMetrics,
            ClassificationMetrics testMetrics,
            TrainingLineage lineage,
            DriftBaselines baselines,
            Instant createdAt) {
        return new ModelManifest(
                SchemaVersions.CURRENT,
                name,
                version,
                baseModel,
                labels,
                maxLength,
                pooling,
                ModelManifest.FORMAT_ONNX,
                Map.of(),
                validationMetrics,
                testMetrics,
                lineage,
                baselines,
                selfChecks,
                hyperParameters,
                createdAt,
                int8 == null ? Map.of() : Map.of(ModelVariant.INT8, int8),
                truncation);
    }

    /** Writes {@code manifest.json} (digests of every file) and {@code manifest.sig}. */
    public ArtifactWriter.Sealed seal(ModelManifest manifest, ManifestSigner signer) {
        return ArtifactWriter.seal(dir, manifest, signer);
    }
}
