package dev.streamtune.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Every KEDA object of every installation fits KEDA's CRD schemas strictly (see {@link KedaModels}). */
class KedaSchemaTest {

    @BeforeAll
    static void installModels() throws Exception {
        Tools.require("node", "npm");
        KedaModels.install();
    }

    @Test
    void shouldFitKedasSchemas() throws Exception {
        List<ObjectNode> keda = kedaObjects();
        assertThat(keda).extracting(o -> o.path("kind").asText()).contains("ScaledObject", "TriggerAuthentication");

        assertThat(KedaModels.validate(keda)).isEmpty();
        assertThat(KedaModels.typeCheck(keda)).isEmpty();
    }

    @Test
    void shouldRejectAnUnknownFieldAndAWrongType() throws Exception {
        ObjectNode scaledObject = kedaObjects().stream()
                .filter(o -> o.path("kind").asText().equals("ScaledObject"))
                .findFirst()
                .orElseThrow()
                .deepCopy();
        scaledObject.with("spec").put("maxReplicas", 3); // the field is maxReplicaCount
        ObjectNode wrongType = scaledObject.deepCopy();
        wrongType.with("spec").remove("maxReplicas");
        wrongType.with("spec").put("pollingInterval", "30");

        assertThat(KedaModels.typeCheck(List.of(scaledObject))).anyMatch(e -> e.contains("maxReplicas"));
        assertThat(KedaModels.validate(List.of(wrongType))).anyMatch(e -> e.contains("pollingInterval"));
    }

    private static List<ObjectNode> kedaObjects() {
        var objects = new ArrayList<ObjectNode>();
        Installations.rendered().values().forEach(all -> all.stream()
                .filter(o -> StrictSchemas.NPM_CHECKED.contains(StrictSchemas.typeOf(o)))
                .forEach(objects::add));
        return objects;
    }
}
