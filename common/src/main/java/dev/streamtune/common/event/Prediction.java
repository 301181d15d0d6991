package dev.streamtune.common.event;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One classification, on the predictions topic under the key of its input.
 *
 * @param id the input's id, when it had one
 * @param scores probability of every label, in the model's label order
 * @param model model name
 * @param version model version that made this prediction
 * @param latencyMs from the input's record timestamp to the prediction being produced
 * @param source the input record
 */
public record Prediction(
        int schemaVersion,
        String id,
        String label,
        double confidence,
        Map<String, Double> scores,
        String model,
        long version,
        long latencyMs,
        Instant ts,
        SourceRef source) {

    public Prediction {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
        scores = scores == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(scores));
    }
}
