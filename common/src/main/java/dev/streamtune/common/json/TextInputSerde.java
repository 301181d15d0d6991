package dev.streamtune.common.json;

import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.common.validation.Validated;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Serde of the texts topic: writes {@link TextInput} as JSON; reads JSON objects or plain UTF-8 text with the same
 * rules as {@link InputValidator#parseText}, failing with the rejection reason.
 */
public final class TextInputSerde implements Serde<TextInput>, Serializer<TextInput>, Deserializer<TextInput> {

    private final JsonSerde<TextInput> json = JsonSerde.of(TextInput.class);

    @Override
    public byte[] serialize(String topic, TextInput data) {
        return json.serialize(topic, data);
    }

    @Override
    public TextInput deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        Validated<TextInput> parsed = InputValidator.DEFAULT.parseText(null, data);
        if (parsed instanceof Validated.Invalid<TextInput> invalid) {
            throw new SerializationException("invalid text input on topic " + topic + ": "
                    + invalid.rejection().reason());
        }
        return parsed.orThrow();
    }

    @Override
    public Serializer<TextInput> serializer() {
        return this;
    }

    @Override
    public Deserializer<TextInput> deserializer() {
        return this;
    }

    @Override
    public void configure(java.util.Map<String, ?> configs, boolean isKey) {
        // stateless: nothing to configure
    }

    @Override
    public void close() {
        // stateless: nothing to release
    }
}
