package dev.streamtune.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.deploy.DeployedSettings;
import dev.streamtune.deploy.Installations;
import dev.streamtune.deploy.Workload;
import io.smallrye.config.ConfigMappings;
import java.util.ArrayList;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Every setting the Kubernetes manifests give a trainer (its ConfigMap's application.properties, its environment) is
 * one the trainer reads: a {@link TrainerConfig} key, a Kafka or Kafka Streams setting, or a plain variable its
 * configuration or JVM uses. A typo or a renamed key would otherwise be ignored silently.
 */
class DeployedTrainerConfigTest {

    /** Variables that are not configuration keys: read by the ConfigMap's ${...}, the JVM, OpenMP or the AWS SDK. */
    private static final Set<String> PLAIN = Set.of(
            "SCRAM_JAAS_CONFIG",
            "CPU_REQUEST",
            "JAVA_TOOL_OPTIONS",
            "JAVA_OPTS",
            "OMP_NUM_THREADS",
            "OMP_WAIT_POLICY",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY");

    @Test
    void shouldSetOnlySettingsTheTrainerReads() {
        Set<String> keys = ConfigMappings.getProperties(
                        ConfigMappings.ConfigClass.configClass(TrainerConfig.class, "streamtune.trainer"))
                .keySet();
        var problems = new ArrayList<String>();
        int trainers = 0;
        for (var installation : Installations.rendered().entrySet()) {
            for (Workload trainer : Workload.of(installation.getValue(), "trainer")) {
                trainers++;
                DeployedSettings.problems(trainer, keys, PLAIN)
                        .forEach(p -> problems.add(installation.getKey() + " " + p));
            }
        }
        assertThat(trainers).isGreaterThanOrEqualTo(3);
        assertThat(problems).isEmpty();
    }
}
