package dev.streamtune.common.event;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.common.Samples;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** Every record survives its topic's serde unchanged; tombstones stay null; bad bytes fail with a named type. */
class EventSerdeRoundTripTest {

    private static <K, V> V roundTrip(Topic<K, V> topic, V value) {
        byte[] bytes = topic.valueSerde().serializer().serialize(topic.name(), value);
        return topic.valueSerde().deserializer().deserialize(topic.name(), bytes);
    }

    @Test
    void shouldRoundTripLabeledExample() {
        assertThat(roundTrip(StreamtuneTopics.EXAMPLES, Samples.labeledExample()))
                .isEqualTo(Samples.labeledExample());
    }

    @Test
    void shouldRoundTripTextInput() {
        assertThat(roundTrip(StreamtuneTopics.TEXTS, Samples.textInput())).isEqualTo(Samples.textInput());
    }

    @Test
    void shouldReadPlainUtf8TextAsTextInput() {
        byte[] plain = "Bonjour, où est ma commande ?".getBytes(StandardCharsets.UTF_8);

        TextInput input = StreamtuneTopics.TEXTS.valueSerde().deserializer().deserialize("t", plain);

        assertThat(input.text()).isEqualTo("Bonjour, où est ma commande ?");
        assertThat(input.id()).isNull();
        assertThat(input.schemaVersion()).isEqualTo(SchemaVersions.CURRENT);
    }

    @Test
    void shouldRoundTripPredictionKeepingScoreOrder() {
        Prediction back = roundTrip(StreamtuneTopics.PREDICTIONS, Samples.prediction());

        assertThat(back).isEqualTo(Samples.prediction());
        assertThat(back.scores().keySet()).containsExactly("ham", "spam");
    }

    @Test
    void shouldRoundTripReviewItem() {
        assertThat(roundTrip(StreamtuneTopics.REVIEW, Samples.reviewItem())).isEqualTo(Samples.reviewItem());
    }

    @Test
    void shouldRoundTripTrainerCommand() {
        assertThat(roundTrip(StreamtuneTopics.COMMANDS, Samples.trainerCommand()))
                .isEqualTo(Samples.trainerCommand());
    }

    @Test
    void shouldRoundTripRegistryEventWithFullManifest() {
        assertThat(roundTrip(StreamtuneTopics.MODELS, Samples.registryEvent())).isEqualTo(Samples.registryEvent());
    }

    @Test
    void shouldRoundTripEveryMonitoringEventKeepingItsType() {
        for (MonitoringEvent event : Samples.monitoringEvents()) {
            MonitoringEvent back = roundTrip(StreamtuneTopics.MONITORING, event);
            assertThat(back).isEqualTo(event).hasSameClassAs(event);
        }
    }

    @Test
    void shouldWriteTheMonitoringTypeDiscriminator() {
        byte[] bytes = StreamtuneTopics.MONITORING
                .valueSerde()
                .serializer()
                .serialize("m", Samples.monitoringEvents().get(2));

        assertThat(new String(bytes, StandardCharsets.UTF_8)).contains("\"type\":\"swap\"");
    }

    @Test
    void shouldKeepTombstonesNull() {
        var serde = StreamtuneTopics.EXAMPLES.valueSerde();

        assertThat(serde.serializer().serialize("e", null)).isNull();
        assertThat(serde.deserializer().deserialize("e", null)).isNull();
    }

    @Test
    void shouldDefaultMissingSchemaVersionToCurrent() {
        byte[] v0 = "{\"id\":\"a\",\"text\":\"t\",\"label\":\"x\"}".getBytes(StandardCharsets.UTF_8);

        LabeledExample example =
                StreamtuneTopics.EXAMPLES.valueSerde().deserializer().deserialize("e", v0);

        assertThat(example.schemaVersion()).isEqualTo(SchemaVersions.CURRENT);
    }

    @Test
    void shouldFailMalformedJsonWithTheTypeAndTopicNamed() {
        byte[] bad = "{\"id\":".getBytes(StandardCharsets.UTF_8);

        assertThatThrownBy(() ->
                        StreamtuneTopics.PREDICTIONS.valueSerde().deserializer().deserialize("preds", bad))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("Prediction")
                .hasMessageContaining("preds");
    }

    @Test
    void shouldFailInvalidTextInputWithTheRejectionReason() {
        byte[] invalidUtf8 = {(byte) 0xC3, (byte) 0x28};

        assertThatThrownBy(
                        () -> StreamtuneTopics.TEXTS.valueSerde().deserializer().deserialize("texts", invalidUtf8))
                .isInstanceOf(SerializationException.class)
                .hasMessageContaining("INVALID_UTF8");
    }
}
