package dev.streamtune.trainer.config;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.deploy.DeployedSettings;
import dev.streamtune.deploy.Installations;
import dev.streamtune.deploy.Workload;
import dev.streamtune.trainer.security.RestSecurity;
import dev.streamtune.trainer.security.SecurityConfig;
import io.smallrye.config.ConfigMappings;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import org.eclipse.microprofile.jwt.config.Names;
import org.junit.jupiter.api.Test;

/**
 * Every setting the Kubernetes manifests give a trainer (its ConfigMap's application.properties, its environment) is
 * one the trainer reads: a {@link TrainerConfig} or {@link SecurityConfig} key, a MicroProfile JWT key (SmallRye JWT
 * verifies the bearer tokens), a Kafka or Kafka Streams setting, or a plain variable its configuration or JVM uses. A
 * typo or a renamed key would otherwise be ignored silently.
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
            "THP_MEM_ALLOC_ENABLE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY");

    @Test
    void shouldSetOnlySettingsTheTrainerReads() {
        Set<String> keys = new HashSet<>(ConfigMappings.getProperties(
                        ConfigMappings.ConfigClass.configClass(TrainerConfig.class, "streamtune.trainer"))
                .keySet());
        keys.addAll(ConfigMappings.getProperties(
                        ConfigMappings.ConfigClass.configClass(SecurityConfig.class, "streamtune.security"))
                .keySet());
        keys.addAll(DeployedSettings.constants(Names.class));
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

    /**
     * With security on (the default) a trainer without a key to verify tokens with refuses to start
     * ({@link RestSecurity}): every deployed one has one of the keys that check accepts, and none turns security off.
     */
    @Test
    void shouldGiveEveryTrainerAKeyToVerifyBearerTokensWith() {
        var problems = new ArrayList<String>();
        for (var installation : Installations.rendered().entrySet()) {
            for (Workload w : Workload.of(installation.getValue(), "trainer")) {
                String where = installation.getKey() + " " + w.name();
                if (w.config("streamtune.security.enabled").orElse("true").equals("false")) {
                    problems.add(where + ": streamtune.security.enabled=false opens the API to anyone");
                }
                if (RestSecurity.VERIFICATION_KEYS.stream().noneMatch(w::sets)) {
                    problems.add(
                            where + ": none of " + RestSecurity.VERIFICATION_KEYS + " is set (it would not start)");
                }
            }
        }
        assertThat(problems).isEmpty();
    }
}
