package dev.streamtune.trainer.config;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The instance name is the Kafka Streams group instance id: the fallback one is refused in a cluster. */
class InstanceNameTest {

    private static final Map<String, String> CLUSTER = Map.of("KUBERNETES_SERVICE_HOST", "10.0.0.1");

    @Test
    void shouldRefuseTheFallbackNameInAKubernetesCluster() {
        assertThatThrownBy(() -> TrainerProducers.requireUniqueInstance(TrainerConfig.DEFAULT_INSTANCE, CLUSTER))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("pod name");
    }

    @Test
    void shouldAcceptThePodNameInAClusterAndTheFallbackOnOneMachine() {
        assertThatCode(() -> TrainerProducers.requireUniqueInstance("streamtune-trainer-0", CLUSTER))
                .doesNotThrowAnyException();
        assertThatCode(() -> TrainerProducers.requireUniqueInstance(TrainerConfig.DEFAULT_INSTANCE, Map.of()))
                .doesNotThrowAnyException();
    }
}
