package dev.streamtune.common.event;

import java.util.Map;

/**
 * A low-confidence prediction sent to the labeling queue (review topic), with the text a person needs to label it.
 * Labels come back as {@link LabeledExample}s.
 *
 * @param threshold the confidence threshold the prediction fell under
 */
public record ReviewItem(
        int schemaVersion, Prediction prediction, String text, Map<String, String> attributes, double threshold) {

    public ReviewItem {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }
}
