package dev.streamtune.inference.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.inference.app.InstanceNames;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Two replicas with one name fence each other forever: in a cluster the default name is refused at start-up. */
class InstanceNameTest {

    private static final Map<String, String> IN_KUBERNETES = Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1");

    @Test
    void shouldRefuseTheDefaultNameInsideKubernetes() {
        assertThatThrownBy(() -> InstanceNames.requireUnique(InferenceConfig.DEFAULT_INSTANCE, IN_KUBERNETES))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pod name");
        assertThatThrownBy(() -> InstanceNames.requireUnique(" ", IN_KUBERNETES))
                .isInstanceOf(IllegalStateException.class);
    }

    @Test
    void shouldAcceptAPodNameInsideKubernetesAndTheDefaultOnOneMachine() {
        assertThatCode(() -> InstanceNames.requireUnique("inference-2", IN_KUBERNETES))
                .doesNotThrowAnyException();
        assertThatCode(() -> InstanceNames.requireUnique(InferenceConfig.DEFAULT_INSTANCE, Map.of()))
                .doesNotThrowAnyException();
    }
}
