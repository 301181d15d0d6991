package dev.streamtune.deploy;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.Annotated;
import com.fasterxml.jackson.databind.introspect.JacksonAnnotationIntrospector;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import java.util.List;
import java.util.Map;

/**
 * The registry schemas as Java models: fabric8's kubernetes-model (Kubernetes' OpenAPI), fabric8's monitoring model
 * (Prometheus Operator's CRDs) and Strimzi's api jar (the classes Strimzi generates its CRDs from). Strict: an unknown
 * field anywhere fails (the models' catch-all "additional properties" are switched off), scalars are not coerced
 * ("3" is no integer), and Strimzi's versions must serve the document's apiVersion.
 */
final class StrictSchemas {

    /** apiVersion/kind to the model class (by name: Strimzi's need Java 21). KEDA's are checked with npm's models. */
    static final Map<String, String> MODELS = Map.ofEntries(
            Map.entry("v1/Namespace", "io.fabric8.kubernetes.api.model.Namespace"),
            Map.entry("v1/ConfigMap", "io.fabric8.kubernetes.api.model.ConfigMap"),
            Map.entry("v1/Service", "io.fabric8.kubernetes.api.model.Service"),
            Map.entry("v1/PersistentVolumeClaim", "io.fabric8.kubernetes.api.model.PersistentVolumeClaim"),
            Map.entry("apps/v1/StatefulSet", "io.fabric8.kubernetes.api.model.apps.StatefulSet"),
            Map.entry("policy/v1/PodDisruptionBudget", "io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget"),
            Map.entry(
                    "networking.k8s.io/v1/NetworkPolicy",
                    "io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy"),
            Map.entry(
                    "monitoring.coreos.com/v1/ServiceMonitor",
                    "io.fabric8.openshift.api.model.monitoring.v1.ServiceMonitor"),
            Map.entry("monitoring.coreos.com/v1/PodMonitor", "io.fabric8.openshift.api.model.monitoring.v1.PodMonitor"),
            Map.entry(
                    "monitoring.coreos.com/v1/PrometheusRule",
                    "io.fabric8.openshift.api.model.monitoring.v1.PrometheusRule"),
            Map.entry("kafka.strimzi.io/v1/Kafka", "io.strimzi.api.kafka.model.kafka.Kafka"),
            Map.entry("kafka.strimzi.io/v1/KafkaNodePool", "io.strimzi.api.kafka.model.nodepool.KafkaNodePool"),
            Map.entry("kafka.strimzi.io/v1/KafkaTopic", "io.strimzi.api.kafka.model.topic.KafkaTopic"),
            Map.entry("kafka.strimzi.io/v1/KafkaUser", "io.strimzi.api.kafka.model.user.KafkaUser"));

    static final List<String> NPM_CHECKED =
            List.of("keda.sh/v1alpha1/ScaledObject", "keda.sh/v1alpha1/TriggerAuthentication");

    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_NUMBERS_FOR_ENUMS)
            .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
            .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
            .addModule(new SimpleModule().setDeserializerModifier(new NoCatchAllProperties()))
            // write back every value, defaults included, for the round-trip comparison
            .annotationIntrospector(new JacksonAnnotationIntrospector() {
                @Override
                public JsonInclude.Value findPropertyInclusion(Annotated annotated) {
                    return JsonInclude.Value.construct(JsonInclude.Include.ALWAYS, JsonInclude.Include.ALWAYS);
                }
            })
            .build();

    private StrictSchemas() {}

    static String typeOf(JsonNode object) {
        return object.path("apiVersion").asText() + "/" + object.path("kind").asText();
    }

    /** Validates one object; throws with the offending path when it does not fit its schema. */
    static void validate(JsonNode object) throws Exception {
        String type = typeOf(object);
        String className = MODELS.get(type);
        if (className == null) {
            throw new IllegalArgumentException("no schema for " + type);
        }
        Class<?> model = Class.forName(className);
        if (className.startsWith("io.strimzi")) {
            @SuppressWarnings("unchecked")
            List<String> served = (List<String>) model.getField("VERSIONS").get(null);
            String version = type.split("/")[1];
            if (!served.contains(version)) {
                throw new IllegalArgumentException(type + ": Strimzi serves " + served);
            }
        }
        Object parsed = MAPPER.treeToValue(object, model);
        // what the model did not keep (an enum value it maps to null, a field it drops) is not in its schema
        JsonNode kept = MAPPER.valueToTree(parsed);
        String lost = lost(object, kept, "");
        if (lost != null) {
            throw new IllegalArgumentException(type + ": " + lost + " does not fit the schema");
        }
    }

    /** The first path whose value in {@code given} is not in {@code kept}, or null. */
    private static String lost(JsonNode given, JsonNode kept, String path) {
        if (given.isObject()) {
            for (var it = given.fields(); it.hasNext(); ) {
                var field = it.next();
                String lost = lost(field.getValue(), kept.path(field.getKey()), path + "/" + field.getKey());
                if (lost != null) {
                    return lost;
                }
            }
            return null;
        }
        if (given.isArray()) {
            for (int i = 0; i < given.size(); i++) {
                String lost = lost(given.get(i), kept.path(i), path + "/" + i);
                if (lost != null) {
                    return lost;
                }
            }
            return null;
        }
        return given.asText().equals(kept.asText()) && !kept.isMissingNode() ? null : path + "=" + given;
    }
}
