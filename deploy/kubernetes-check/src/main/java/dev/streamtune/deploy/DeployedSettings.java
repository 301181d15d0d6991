package dev.streamtune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;

/**
 * Checks the settings a manifest gives a service against what the service reads: every key of its
 * {@code application.properties} and every {@code STREAMTUNE_*} variable must be one of its configuration keys (its
 * {@code @ConfigMapping}, given by the caller), a Kafka client or Kafka Streams setting ({@code kafka.*},
 * {@code kafka-streams.*}), or a Quarkus key the caller names; other variables must be on the caller's list of plain
 * ones (they must not look like configuration); every {@code ${VAR}} must resolve.
 */
public final class DeployedSettings {

    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([^}:]+)(?::[^}]*)?}");

    private DeployedSettings() {}

    /** What is wrong with the workload's settings, one line each; empty when nothing is. */
    public static List<String> problems(Workload w, Set<String> configKeys, Set<String> plainVariables) {
        var problems = new ArrayList<String>();
        var known = new HashSet<>(configKeys);
        for (String key : w.properties().stringPropertyNames()) {
            if (!isKafkaSetting(key) && !matches(known, key)) {
                problems.add(w.name() + ": application.properties sets unknown key " + key);
            }
            Matcher m = REFERENCE.matcher(w.properties().getProperty(key));
            while (m.find()) {
                String ref = m.group(1);
                if (!w.env().containsKey(ref)
                        && !matches(known, ref)
                        && w.properties().getProperty(ref) == null) {
                    problems.add(w.name() + ": " + key + " refers to ${" + ref + "}, which nothing sets");
                }
            }
        }
        for (String variable : w.env().keySet()) {
            boolean config = known.stream()
                    .anyMatch(k -> Workload.envName(k).equals(variable)
                            || Workload.envName(k).replace("_*", "_").equals(variable));
            if (!config && !plainVariables.contains(variable)) {
                problems.add(w.name() + ": environment variable " + variable + " is no configuration key"
                        + " and not on the list of plain ones");
            }
            if (config && plainVariables.contains(variable)) {
                problems.add(w.name() + ": " + variable + " is a configuration key");
            }
        }
        JsonNode args = w.container().path("args");
        if (!args.isMissingNode()) {
            problems.add(w.name() + ": container args override the image's command line");
        }
        return problems;
    }

    private static boolean matches(Set<String> known, String key) {
        return known.contains(key)
                || known.stream()
                        .filter(k -> k.contains("*"))
                        .anyMatch(k -> key.matches(Pattern.quote(k).replace("*", "\\E[^.]+\\Q")));
    }

    /** {@code kafka.<client setting>} or {@code kafka-streams.<streams or client setting>}. */
    static boolean isKafkaSetting(String key) {
        Set<String> clients = new HashSet<>(ProducerConfig.configNames());
        clients.addAll(ConsumerConfig.configNames());
        clients.addAll(AdminClientConfig.configNames());
        if (key.startsWith("kafka.")) {
            return clients.contains(key.substring("kafka.".length()));
        }
        if (key.startsWith("kafka-streams.")) {
            String setting = key.substring("kafka-streams.".length());
            for (String prefix : List.of("consumer.", "producer.", "admin.", "main.consumer.", "restore.consumer.")) {
                if (setting.startsWith(prefix)) {
                    setting = setting.substring(prefix.length());
                }
            }
            return StreamsConfig.configDef().names().contains(setting) || clients.contains(setting);
        }
        return false;
    }
}
