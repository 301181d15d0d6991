package dev.streamtune.common.topic;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.ReviewItem;
import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.json.TextInputSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The Streamtune topic catalogue: every topic's default name, serdes and creation settings, defined once for both
 * services, the broker tooling and the tests. Keys of the texts, predictions and review topics are the caller's
 * bytes; the services copy them unchanged, the String serde here suits callers whose keys are text.
 */
public final class StreamtuneTopics {

    public static final String EXAMPLES_NAME = "streamtune.examples";
    public static final String TEXTS_NAME = "streamtune.texts";
    public static final String PREDICTIONS_NAME = "streamtune.predictions";
    public static final String REVIEW_NAME = "streamtune.review";
    public static final String MODELS_NAME = "streamtune.models";
    public static final String MONITORING_NAME = "streamtune.monitoring";
    public static final String COMMANDS_NAME = "streamtune.commands";
    public static final String DLQ_NAME = "streamtune.dlq";

    private static final String DAY_MS = Long.toString(24L * 60 * 60 * 1000);
    private static final String WEEK_MS = Long.toString(7L * 24 * 60 * 60 * 1000);

    /** Labeled examples keyed by id: the dataset of record. Compacted; a tombstone deletes an example. */
    public static final Topic<String, LabeledExample> EXAMPLES = new Topic<>(
            EXAMPLES_NAME,
            Serdes.String(),
            JsonSerde.of(LabeledExample.class),
            CleanupPolicy.COMPACT,
            // tombstones must outlive a restore of the trainer's store, but not forever (right to be forgotten)
            Map.of("delete.retention.ms", DAY_MS, "min.cleanable.dirty.ratio", "0.1"));

    /** Texts to classify: JSON {@link TextInput} or plain UTF-8. */
    public static final Topic<String, TextInput> TEXTS =
            new Topic<>(TEXTS_NAME, Serdes.String(), new TextInputSerde(), CleanupPolicy.DELETE, Map.of());

    /** One prediction per text, same key as the text. */
    public static final Topic<String, Prediction> PREDICTIONS = new Topic<>(
            PREDICTIONS_NAME, Serdes.String(), JsonSerde.of(Prediction.class), CleanupPolicy.DELETE, Map.of());

    /** Low-confidence predictions with their text: the labeling queue. */
    public static final Topic<String, ReviewItem> REVIEW =
            new Topic<>(REVIEW_NAME, Serdes.String(), JsonSerde.of(ReviewItem.class), CleanupPolicy.DELETE, Map.of());

    /** The model registry: which version is live per model name, and each version's record. Compacted. */
    public static final Topic<String, ModelRegistryEvent> MODELS = new Topic<>(
            MODELS_NAME,
            Serdes.String(),
            JsonSerde.of(ModelRegistryEvent.class),
            CleanupPolicy.COMPACT,
            Map.of("min.cleanable.dirty.ratio", "0.1"));

    /** Training progress, validation, swaps, drift, alerts and errors, keyed by model name. */
    public static final Topic<String, MonitoringEvent> MONITORING = new Topic<>(
            MONITORING_NAME,
            Serdes.String(),
            JsonSerde.of(MonitoringEvent.class),
            CleanupPolicy.DELETE,
            Map.of("retention.ms", WEEK_MS));

    /** Operator commands to the trainer (retrain, promote/rollback), keyed by model name. */
    public static final Topic<String, TrainerCommand> COMMANDS = new Topic<>(
            COMMANDS_NAME, Serdes.String(), JsonSerde.of(TrainerCommand.class), CleanupPolicy.DELETE, Map.of());

    /** Every refused record: original key, value and headers plus {@code streamtune.dlq.*} headers. */
    public static final Topic<byte[], byte[]> DLQ = new Topic<>(
            DLQ_NAME,
            Serdes.ByteArray(),
            Serdes.ByteArray(),
            CleanupPolicy.DELETE,
            Map.of("retention.ms", Long.toString(14L * 24 * 60 * 60 * 1000)));

    private StreamtuneTopics() {}

    /** Every topic of the catalogue under its default name. */
    public static List<Topic<?, ?>> all() {
        return List.of(EXAMPLES, TEXTS, PREDICTIONS, REVIEW, MODELS, MONITORING, COMMANDS, DLQ);
    }

    /**
     * Every topic, renamed where {@code names} maps a default name to another (a deployment's configuration); other
     * topics keep their default names.
     */
    public static List<Topic<?, ?>> all(Map<String, String> names) {
        return all().stream()
                .<Topic<?, ?>>map(t -> t.withName(names.getOrDefault(t.name(), t.name())))
                .toList();
    }
}
