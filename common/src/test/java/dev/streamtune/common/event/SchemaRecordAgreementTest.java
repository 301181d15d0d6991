package dev.streamtune.common.event;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import dev.streamtune.common.Samples;
import dev.streamtune.common.dlq.DeadLetter;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import java.io.IOException;
import java.io.InputStream;
import java.lang.reflect.RecordComponent;
import java.time.Instant;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every JSON Schema under {@code schemas/} and the Java record it documents say the same thing. */
class SchemaRecordAgreementTest {

    private static final String BASE = "https://streamtune.dev/schemas/";
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(
            SpecVersion.VersionFlag.V202012,
            builder -> builder.schemaMappers(mappers -> mappers.mapPrefix(BASE, "classpath:schemas/")));

    static Stream<Arguments> records() {
        return Stream.of(
                Arguments.of("labeled-example", LabeledExample.class, Samples.labeledExample()),
                Arguments.of("text-input", TextInput.class, Samples.textInput()),
                Arguments.of("prediction", Prediction.class, Samples.prediction()),
                Arguments.of("review-item", ReviewItem.class, Samples.reviewItem()),
                Arguments.of("trainer-command", TrainerCommand.class, Samples.trainerCommand()),
                Arguments.of("classification-metrics", ClassificationMetrics.class, Samples.metrics()),
                Arguments.of("model-manifest", ModelManifest.class, Samples.manifest()),
                Arguments.of("model-registry-event", ModelRegistryEvent.class, Samples.registryEvent()),
                Arguments.of("source-ref", SourceRef.class, Samples.prediction().source()),
                Arguments.of(
                        "dead-letter",
                        DeadLetter.class,
                        new DeadLetter(
                                "PAYLOAD_TOO_LARGE",
                                "PAYLOAD_TOO_LARGE: x",
                                "t",
                                0,
                                1,
                                "inference/stream",
                                Instant.EPOCH,
                                2_000_000L,
                                "0".repeat(64))));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    void shouldValidateAFullyPopulatedRecordAgainstItsSchema(String schemaName, Class<?> type, Object sample) {
        JsonNode json = Json.mapper().valueToTree(sample);

        assertThat(schema(schemaName).validate(json)).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("records")
    void shouldDeclareExactlyTheRecordsPropertiesRecursively(String schemaName, Class<?> type, Object sample)
            throws IOException {
        JsonNode root = load(schemaName + ".schema.json");
        assertSameProperties(root, root, Json.mapper().constructType(type), schemaName);
    }

    @Test
    void shouldValidateEveryMonitoringEventAgainstTheOneOfSchema() throws IOException {
        JsonSchema schema = schema("monitoring-event");
        JsonNode root = load("monitoring-event.schema.json");
        for (MonitoringEvent event : Samples.monitoringEvents()) {
            JsonNode json = Json.mapper().valueToTree(event);
            assertThat(schema.validate(json))
                    .as(event.getClass().getSimpleName())
                    .isEmpty();

            String type = json.get("type").asText();
            JsonNode def = root.path("$defs").path(type);
            assertThat(def.isMissingNode())
                    .as("schema has a $def for type " + type)
                    .isFalse();
            assertSameProperties(
                    root, def, Json.mapper().constructType(event.getClass()), "monitoring/" + type, "type");
        }
        assertThat(root.path("$defs").size()).isEqualTo(MonitoringEvent.class.getPermittedSubclasses().length);
    }

    @Test
    void shouldRejectRecordsMissingRequiredFields() {
        ObjectNode example = Json.mapper().valueToTree(Samples.labeledExample());
        example.remove("label");
        ObjectNode registry = Json.mapper().valueToTree(Samples.registryEvent());
        registry.remove("signature");
        ObjectNode drift = Json.mapper().valueToTree(Samples.monitoringEvents().get(3));
        drift.put("type", "no-such-event");

        assertThat(schema("labeled-example").validate(example))
                .extracting(ValidationMessage::getMessage)
                .anyMatch(m -> m.contains("label"));
        assertThat(schema("model-registry-event").validate(registry))
                .extracting(ValidationMessage::getMessage)
                .anyMatch(m -> m.contains("signature"));
        assertThat(schema("monitoring-event").validate(drift)).isNotEmpty();
    }

    // --- structure comparison ----------------------------------------------------------------------------------

    private void assertSameProperties(JsonNode root, JsonNode schema, JavaType type, String path, String... extra)
            throws IOException {
        JsonNode resolved = resolve(root, schema);
        JsonNode effectiveRoot = resolved.has("$id") ? resolved : root;
        Class<?> raw = type.getRawClass();
        if (!raw.isRecord()) {
            return;
        }
        Set<String> recordProps = new TreeSet<>();
        for (var p : Json.mapper().getSerializationConfig().introspect(type).findProperties()) {
            recordProps.add(p.getName());
        }
        recordProps.addAll(Set.of(extra));
        Set<String> schemaProps = new TreeSet<>();
        resolved.path("properties").fieldNames().forEachRemaining(schemaProps::add);
        assertThat(schemaProps)
                .as("properties of " + path + " vs " + raw.getSimpleName())
                .isEqualTo(recordProps);
        assertThat(resolved.path("additionalProperties").asBoolean(true))
                .as(path + " must forbid additional properties")
                .isFalse();

        for (RecordComponent component : raw.getRecordComponents()) {
            JavaType componentType = Json.mapper().getTypeFactory().constructType(component.getGenericType());
            JsonNode propertySchema = resolved.path("properties").path(component.getName());
            String childPath = path + "." + component.getName();
            if (componentType.getRawClass().isRecord()) {
                assertSameProperties(effectiveRoot, propertySchema, componentType, childPath);
            } else if (componentType.isMapLikeType()
                    && componentType.getContentType().getRawClass().isRecord()) {
                assertSameProperties(
                        effectiveRoot,
                        resolve(effectiveRoot, propertySchema).path("additionalProperties"),
                        componentType.getContentType(),
                        childPath + "{}");
            } else if (componentType.isCollectionLikeType()
                    && componentType.getContentType().getRawClass().isRecord()) {
                assertSameProperties(
                        effectiveRoot,
                        resolve(effectiveRoot, propertySchema).path("items"),
                        componentType.getContentType(),
                        childPath + "[]");
            }
        }
    }

    private JsonNode resolve(JsonNode root, JsonNode schema) throws IOException {
        if (!schema.has("$ref")) {
            return schema;
        }
        String ref = schema.get("$ref").asText();
        if (ref.startsWith("#/")) {
            JsonNode target = root.at(ref.substring(1));
            assertThat(target.isMissingNode()).as("unresolved " + ref).isFalse();
            return target;
        }
        return load(ref);
    }

    private static JsonNode load(String file) throws IOException {
        try (InputStream in = SchemaRecordAgreementTest.class.getResourceAsStream("/schemas/" + file)) {
            assertThat(in).as("schema " + file + " on the classpath").isNotNull();
            return Json.mapper().readTree(in);
        }
    }

    private static JsonSchema schema(String name) {
        SchemaValidatorsConfig config =
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build();
        return FACTORY.getSchema(com.networknt.schema.SchemaLocation.of(BASE + name + ".schema.json"), config);
    }
}
