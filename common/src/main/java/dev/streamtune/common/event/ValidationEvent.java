package dev.streamtune.common.event;

import dev.streamtune.common.model.ClassificationMetrics;
import java.time.Instant;
import java.util.List;

/**
 * The validation gate's decision on a candidate model, with the metrics both models scored on the same examples.
 *
 * @param championVersion the live version it was compared with, null for the first model
 * @param reasons why it was rejected (empty when accepted)
 */
public record ValidationEvent(
        int schemaVersion,
        String model,
        String instance,
        Instant ts,
        String runId,
        long candidateVersion,
        Long championVersion,
        boolean accepted,
        List<String> reasons,
        ClassificationMetrics candidateValidation,
        ClassificationMetrics candidateTest,
        ClassificationMetrics championValidation,
        ClassificationMetrics championTest)
        implements MonitoringEvent {

    public ValidationEvent {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
        reasons = reasons == null ? List.of() : List.copyOf(reasons);
    }
}
