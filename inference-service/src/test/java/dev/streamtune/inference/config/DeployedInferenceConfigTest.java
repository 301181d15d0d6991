package dev.streamtune.inference.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.deploy.DeployedSettings;
import dev.streamtune.deploy.Installations;
import dev.streamtune.deploy.Workload;
import io.smallrye.config.ConfigMappings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every setting the Kubernetes manifests give an inference service (its ConfigMap's application.properties, its
 * environment) is one the service reads: an {@link InferenceConfig} key, a Kafka or Kafka Streams setting, the drift
 * monitor's application id, or a plain variable its configuration or JVM uses.
 */
class DeployedInferenceConfigTest {

    /** Variables that are not configuration keys: read by the ConfigMap's ${...}, the JVM, OpenMP or the AWS SDK. */
    private static final Set<String> PLAIN = Set.of(
            "SCRAM_JAAS_CONFIG",
            "CPU_REQUEST",
            "JAVA_TOOL_OPTIONS",
            "JAVA_OPTS",
            "OMP_NUM_THREADS",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY");

    @Test
    void shouldSetOnlySettingsTheInferenceServiceReads() {
        Set<String> keys = new HashSet<>(ConfigMappings.getProperties(
                        ConfigMappings.ConfigClass.configClass(InferenceConfig.class, "streamtune"))
                .keySet());
        keys.add("quarkus.kafka-streams.application-id");
        var problems = new ArrayList<String>();
        int services = 0;
        for (var installation : Installations.rendered().entrySet()) {
            for (Workload inference : Workload.of(installation.getValue(), "inference")) {
                services++;
                DeployedSettings.problems(inference, keys, PLAIN)
                        .forEach(p -> problems.add(installation.getKey() + " " + p));
            }
        }
        assertThat(services).isGreaterThanOrEqualTo(3);
        assertThat(problems).isEmpty();
    }
}
