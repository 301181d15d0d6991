package dev.streamtune.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One rendered StatefulSet's container as its application sees it: the environment and the
 * {@code application.properties} of the ConfigMap mounted as its {@code config} volume, with Quarkus' precedence
 * (environment over that file) and its {@code ${...}} expansion.
 */
public record Workload(ObjectNode statefulSet, ObjectNode container, Map<String, JsonNode> env, Properties properties) {

    private static final Pattern EXPRESSION = Pattern.compile("\\$\\{([^}:]+)(?::([^}]*))?}");

    /** Every StatefulSet whose pods carry {@code app.kubernetes.io/component=component}. */
    public static List<Workload> of(List<ObjectNode> objects, String component) {
        return objects.stream()
                .filter(o -> o.path("kind").asText().equals("StatefulSet"))
                .filter(o -> component.equals(o.at("/spec/template/metadata/labels/app.kubernetes.io~1component")
                        .asText()))
                .map(o -> of(objects, o))
                .toList();
    }

    private static Workload of(List<ObjectNode> objects, ObjectNode statefulSet) {
        ObjectNode container = (ObjectNode) statefulSet.at("/spec/template/spec/containers/0");
        var env = new LinkedHashMap<String, JsonNode>();
        container.path("env").forEach(e -> env.put(e.path("name").asText(), e));
        String configMap = "";
        for (JsonNode volume : statefulSet.at("/spec/template/spec/volumes")) {
            if (volume.path("name").asText().equals("config")) {
                configMap = volume.at("/configMap/name").asText();
            }
        }
        String name = configMap;
        String text = objects.stream()
                .filter(o -> o.path("kind").asText().equals("ConfigMap"))
                .filter(o -> o.at("/metadata/name").asText().equals(name))
                .map(o -> o.at("/data/application.properties").asText())
                .findFirst()
                .orElseThrow(() ->
                        new IllegalStateException("no ConfigMap " + name + " for " + statefulSet.at("/metadata/name")));
        var properties = new Properties();
        try {
            properties.load(new StringReader(text));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new Workload(statefulSet, container, Map.copyOf(env), properties);
    }

    public String name() {
        return statefulSet.at("/metadata/name").asText();
    }

    /** A literal environment value (not one from a Secret, ConfigMap or field reference). */
    public Optional<String> literalEnv(String name) {
        JsonNode e = env.get(name);
        return e == null || !e.has("value")
                ? Optional.empty()
                : Optional.of(e.get("value").asText());
    }

    /** The name of the Secret an environment variable is read from. */
    public Optional<String> secretOf(String name) {
        JsonNode e = env.get(name);
        return e == null
                ? Optional.empty()
                : Optional.of(e.at("/valueFrom/secretKeyRef/name").asText());
    }

    /**
     * A configuration value as the application resolves it, {@code ${...}} expanded, or empty when neither the
     * environment nor the file sets it (the application's default applies). A value that only exists at run time
     * (from a Secret, a field) is empty too.
     */
    public Optional<String> config(String key) {
        Optional<String> fromEnv = literalEnv(envName(key));
        if (fromEnv.isPresent()) {
            return Optional.of(expand(fromEnv.get()));
        }
        return Optional.ofNullable(properties.getProperty(key)).map(this::expand);
    }

    /** Expands {@code ${key}} and {@code ${key:default}}; unresolvable ones stay as they are. */
    public String expand(String value) {
        Matcher m = EXPRESSION.matcher(value);
        var out = new StringBuilder();
        while (m.find()) {
            String resolved =
                    config(m.group(1)).or(() -> Optional.ofNullable(m.group(2))).orElse(m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(resolved));
        }
        m.appendTail(out);
        return out.toString();
    }

    /** The environment variable name Quarkus maps to a configuration key (MicroProfile Config's rule). */
    public static String envName(String key) {
        return key.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }
}
