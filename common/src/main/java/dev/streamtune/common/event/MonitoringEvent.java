package dev.streamtune.common.event;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import java.time.Instant;

/**
 * Everything both services report on the monitoring topic, keyed by model name. The JSON {@code type} property says
 * which kind: {@code training-progress}, {@code validation}, {@code swap}, {@code drift}, {@code alert}, {@code error},
 * {@code audit}.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
    @JsonSubTypes.Type(value = TrainingProgressEvent.class, name = MonitoringEvent.TRAINING_PROGRESS),
    @JsonSubTypes.Type(value = TrainingEpochEvent.class, name = MonitoringEvent.TRAINING_EPOCH),
    @JsonSubTypes.Type(value = ValidationEvent.class, name = MonitoringEvent.VALIDATION),
    @JsonSubTypes.Type(value = SwapEvent.class, name = MonitoringEvent.SWAP),
    @JsonSubTypes.Type(value = DriftEvent.class, name = MonitoringEvent.DRIFT),
    @JsonSubTypes.Type(value = AlertEvent.class, name = MonitoringEvent.ALERT),
    @JsonSubTypes.Type(value = ErrorEvent.class, name = MonitoringEvent.ERROR),
    @JsonSubTypes.Type(value = AuditEvent.class, name = MonitoringEvent.AUDIT)
})
public sealed interface MonitoringEvent
        permits TrainingProgressEvent,
                TrainingEpochEvent,
                ValidationEvent,
                SwapEvent,
                DriftEvent,
                AlertEvent,
                ErrorEvent,
                AuditEvent {

    String TRAINING_PROGRESS = "training-progress";
    String TRAINING_EPOCH = "training-epoch";
    String VALIDATION = "validation";
    String SWAP = "swap";
    String DRIFT = "drift";
    String ALERT = "alert";
    String ERROR = "error";
    String AUDIT = "audit";

    int schemaVersion();

    /** Model name; also the record key. */
    String model();

    /** The service instance that reported it (pod name, host). */
    String instance();

    Instant ts();
}
