package dev.streamtune.trainer.training;

import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.DriftBaselines;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.SelfCheck;
import dev.streamtune.common.model.TrainingLineage;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The manifest of one candidate: what is known after the gate ({@link #draft()}, recorded with a rejection and used to
 * load the export), completed with what the export yields ({@link #complete}).
 */
record ManifestBuilder(
        String model,
        long version,
        CandidateModel candidate,
        List<String> labels,
        ClassificationMetrics validation,
        ClassificationMetrics test,
        TrainingLineage lineage,
        Instant createdAt) {

    ModelManifest draft() {
        return complete(null, List.of());
    }

    ModelManifest complete(DriftBaselines baselines, List<SelfCheck> selfChecks) {
        return new ModelManifest(
                SchemaVersions.CURRENT,
                model,
                version,
                candidate.baseModel(),
                labels,
                candidate.maxLength(),
                candidate.pooling(),
                ModelManifest.FORMAT_ONNX,
                Map.of(),
                validation,
                test,
                lineage,
                baselines,
                selfChecks,
                candidate.hyperParameters(),
                createdAt,
                Map.of(),
                candidate.truncation());
    }
}
