package dev.streamtune.common.event;

import java.util.Map;

/**
 * A text to classify, from the texts topic. Producers may send this JSON object or plain UTF-8 text; the record key is
 * kept on the prediction.
 *
 * @param id caller's id, echoed on the prediction; optional
 * @param attributes caller's metadata, echoed on review items; optional
 */
public record TextInput(int schemaVersion, String id, String text, Map<String, String> attributes) {

    public TextInput {
        schemaVersion = SchemaVersions.orCurrent(schemaVersion);
        attributes = attributes == null ? Map.of() : Map.copyOf(attributes);
    }

    public static TextInput of(String text) {
        return new TextInput(SchemaVersions.CURRENT, null, text, Map.of());
    }
}
