package dev.streamtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Every object of every installation (overlays and examples, rendered by kubectl's kustomize) fits its schema
 * strictly: Kubernetes (fabric8 kubernetes-model), Prometheus Operator (fabric8 monitoring model) and Strimzi (its
 * api jar: only the v1 API exists there). KEDA's objects: {@link KedaSchemaTest}.
 */
class ManifestSchemaTest {

    @Test
    void shouldRenderEveryInstallation() {
        assertThat(Installations.rendered())
                .containsKeys("overlays/dev", "overlays/production", "examples/second-model");
        Installations.rendered()
                .forEach((name, objects) -> assertThat(objects).as(name).hasSizeGreaterThan(20));
    }

    @Test
    void shouldFitTheSchemasStrictly() {
        var errors = new ArrayList<String>();
        int checked = 0;
        for (var installation : Installations.rendered().entrySet()) {
            for (ObjectNode object : installation.getValue()) {
                String type = StrictSchemas.typeOf(object);
                if (StrictSchemas.NPM_CHECKED.contains(type)) {
                    continue;
                }
                checked++;
                try {
                    StrictSchemas.validate(object);
                } catch (Exception e) {
                    errors.add(installation.getKey() + " " + type + " "
                            + object.at("/metadata/name").asText() + ": "
                            + e.getMessage().lines().findFirst().orElse(""));
                }
            }
        }
        assertThat(errors).as("schema errors in %d objects", checked).isEmpty();
    }

    @Test
    void shouldRejectAFieldTheSchemaDoesNotHave() {
        ObjectNode statefulSet = first("StatefulSet");
        ((ObjectNode) statefulSet.at("/spec/template/spec/containers/0/securityContext"))
                .put("readOnlyRootFileSystem", true); // the real field is readOnlyRootFilesystem

        assertThatThrownBy(() -> StrictSchemas.validate(statefulSet)).hasMessageContaining("readOnlyRootFileSystem");
    }

    @Test
    void shouldRejectWhatOnlyStrimziV1beta2Had() {
        ObjectNode kafka = first("Kafka");
        ((ObjectNode) kafka.at("/spec/kafka")).put("replicas", 3); // moved to KafkaNodePool, gone in v1

        assertThatThrownBy(() -> StrictSchemas.validate(kafka)).hasMessageContaining("replicas");

        ObjectNode topic = first("KafkaTopic").put("apiVersion", "kafka.strimzi.io/v1beta2");
        assertThatThrownBy(() -> StrictSchemas.validate(topic)).hasMessageContaining("no schema");
    }

    @Test
    void shouldRejectAWrongType() {
        ObjectNode user = first("KafkaUser");
        ((ArrayNode) user.at("/spec/authorization/acls/0/operations")).add("Eat");

        assertThatThrownBy(() -> StrictSchemas.validate(user)).hasMessageContaining("Eat");

        ObjectNode topic = first("KafkaTopic");
        topic.with("spec").put("partitions", "12");
        assertThatThrownBy(() -> StrictSchemas.validate(topic)).hasMessageContaining("partitions");
    }

    private static ObjectNode first(String kind) {
        List<ObjectNode> objects = Installations.rendered().get("overlays/production");
        return objects.stream()
                .filter(o -> o.path("kind").asText().equals(kind))
                .findFirst()
                .orElseThrow()
                .deepCopy();
    }
}
