package dev.streamtune.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One pod of a rendered StatefulSet, run as a child JVM of a packaged Quarkus app the way its container would run it
 * ({@code java $JAVA_OPTS -jar quarkus-run.jar} in {@code /deployments}): the container's environment with Kubernetes'
 * semantics (literal values with {@code $(VAR)} expansion, Secret and ConfigMap keys, the pod name, resource fields,
 * {@code HOSTNAME}) and nothing of this JVM's; every volume mount a directory under the pod's root (ConfigMaps and
 * Secrets written into it, a PersistentVolumeClaim shared with the other pods that mount it); container paths in the
 * environment and in mounted properties files translated to those directories; {@code java.io.tmpdir} the {@code /tmp}
 * mount. The test's own settings come on top as system properties (which Quarkus ranks above both).
 */
final class Pod implements AutoCloseable {

    private static final Pattern DEPENDENT_VARIABLE = Pattern.compile("\\$\\$|\\$\\(([A-Za-z_][A-Za-z0-9_.-]*)\\)");
    private static final String WORKING_DIR = "/deployments";

    private final String name;
    private final ObjectNode container;
    private final Path root;
    private final Path jar;
    private final Path log;
    private final Map<String, Path> mounts =
            new TreeMap<>(Comparator.comparing(String::length).reversed().thenComparing(Comparator.naturalOrder()));
    private final Map<String, String> environment = new LinkedHashMap<>();
    private final Map<String, String> systemProperties = new TreeMap<>();
    private final List<String> jvmOptions;
    private final int managementPort = freePort();
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private Process process;

    /**
     * @param secrets Secret name to its keys (what the cluster would hold: Strimzi's user and CA Secrets, the
     *     operator's)
     * @param claims where each PersistentVolumeClaim's volume lives (shared by the pods that mount it)
     */
    Pod(
            Installation installation,
            ObjectNode statefulSet,
            int ordinal,
            Map<String, Map<String, String>> secrets,
            Map<String, Path> claims,
            Path root,
            Path jar,
            List<String> jvmOptions,
            Map<String, String> systemProperties,
            Path log) {
        this.name = statefulSet.at("/metadata/name").asText() + "-" + ordinal;
        this.container = (ObjectNode) statefulSet.at("/spec/template/spec/containers/0");
        this.root = root;
        this.jar = jar;
        this.log = log;
        this.jvmOptions = List.copyOf(jvmOptions);
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(jar + " is missing: build the service first (package)");
        }
        try {
            mountVolumes(installation, statefulSet, secrets, claims);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        resolveEnvironment(installation, secrets);
        this.systemProperties.putAll(systemProperties);
        this.systemProperties.put("quarkus.http.port", Integer.toString(freePort()));
        this.systemProperties.put("quarkus.management.port", Integer.toString(managementPort));
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    /** The container's environment as resolved for the process (container paths translated). */
    Map<String, String> environment() {
        return Map.copyOf(environment);
    }

    /** Where a container path lies on this machine (under the mount that holds it, else under the pod's root). */
    Path hostPath(String containerPath) {
        for (Map.Entry<String, Path> mount : mounts.entrySet()) {
            String m = mount.getKey();
            if (containerPath.equals(m)) {
                return mount.getValue();
            }
            if (containerPath.startsWith(m + "/")) {
                return mount.getValue().resolve(containerPath.substring(m.length() + 1));
            }
        }
        return root.resolve(containerPath.substring(1));
    }

    Pod start() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        // the image's entry point: java $JAVA_OPTS -jar quarkus-run.jar
        Optional.ofNullable(environment.get("JAVA_OPTS"))
                .map(o -> o.trim().split("\\s+"))
                .ifPresent(o -> command.addAll(
                        List.of(o).stream().filter(s -> !s.isEmpty()).toList()));
        command.addAll(jvmOptions);
        command.add("-Djava.io.tmpdir=" + hostPath("/tmp"));
        systemProperties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(jar.toString());
        try {
            Path workingDir = Files.createDirectories(hostPath(WORKING_DIR));
            Files.createDirectories(hostPath("/tmp"));
            Files.createDirectories(log.getParent());
            Files.writeString(
                    log,
                    "# " + name + ": " + String.join(" ", redact(command)) + "\n",
                    StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE,
                    java.nio.file.StandardOpenOption.APPEND);
            var builder = new ProcessBuilder(command)
                    .directory(workingDir.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
            Map<String, String> env = builder.environment();
            env.clear();
            // what a container has besides its spec's variables: PATH and HOME (HOME also keeps DJL's extracted
            // natives in ~/.djl.ai instead of a fresh copy in every pod's /tmp)
            env.put("PATH", System.getenv().getOrDefault("PATH", "/usr/bin:/bin"));
            env.put("HOME", System.getProperty("user.home"));
            env.putAll(environment);
            process = builder.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        return this;
    }

    /** The HTTP status of a management endpoint ({@code /q/health/ready}, ...), or -1 when nothing answers. */
    int health(String path) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + path))
                .timeout(Duration.ofSeconds(3))
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }

    /** The body of an API endpoint ({@code /trainer/status}) called with a bearer token, or empty unless 200. */
    String apiGet(String path, String token) {
        return get(Integer.parseInt(systemProperties.get("quarkus.http.port")), path, token);
    }

    private String get(int port, String path) {
        return get(port, path, null);
    }

    private String get(int port, String path, String token) {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(5));
        if (token != null) {
            builder.header("Authorization", "Bearer " + token);
        }
        HttpRequest request = builder.build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 ? response.body() : "";
        } catch (IOException e) {
            return "";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    String logText() {
        try {
            return Files.isRegularFile(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            // a partial UTF-8 sequence at the end of a file still being written
            try {
                return new String(Files.readAllBytes(log), StandardCharsets.UTF_8);
            } catch (IOException again) {
                throw new UncheckedIOException(again);
            }
        }
    }

    /** SIGTERM, as Kubernetes stops a pod; SIGKILL after a grace period. */
    void stop(Duration grace) throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public String toString() {
        return name + " (log " + log + ")";
    }

    // --- volumes -------------------------------------------------------------------------------------------------

    private void mountVolumes(
            Installation installation,
            ObjectNode statefulSet,
            Map<String, Map<String, String>> secrets,
            Map<String, Path> claims)
            throws IOException {
        Map<String, JsonNode> volumes = new LinkedHashMap<>();
        statefulSet
                .at("/spec/template/spec/volumes")
                .forEach(v -> volumes.put(v.path("name").asText(), v));
        Map<String, JsonNode> templates = new LinkedHashMap<>();
        statefulSet
                .at("/spec/volumeClaimTemplates")
                .forEach(t -> templates.put(t.at("/metadata/name").asText(), t));

        // where each mount lies first, so that file contents can be translated with every mount known
        Map<String, JsonNode> sources = new LinkedHashMap<>();
        for (JsonNode mount : container.path("volumeMounts")) {
            String path = mount.path("mountPath").asText();
            String volumeName = mount.path("name").asText();
            JsonNode volume = volumes.get(volumeName);
            Path host;
            if (volume != null && volume.has("persistentVolumeClaim")) {
                String claim = volume.at("/persistentVolumeClaim/claimName").asText();
                host = claims.get(claim);
                if (host == null) {
                    throw new IllegalStateException(name + ": no volume for the claim " + claim);
                }
            } else if (volume == null && !templates.containsKey(volumeName)) {
                throw new IllegalStateException(name + ": mount " + path + " names no volume " + volumeName);
            } else {
                host = root.resolve(path.substring(1));
            }
            mounts.put(path, Files.createDirectories(host));
            sources.put(path, volume);
        }
        for (Map.Entry<String, JsonNode> source : sources.entrySet()) {
            JsonNode volume = source.getValue();
            Path host = mounts.get(source.getKey());
            if (volume == null || volume.has("emptyDir") || volume.has("persistentVolumeClaim")) {
                continue;
            }
            if (volume.has("configMap")) {
                String configMap = volume.at("/configMap/name").asText();
                Map<String, String> data = new LinkedHashMap<>();
                installation
                        .named("ConfigMap", configMap)
                        .path("data")
                        .fields()
                        .forEachRemaining(f -> data.put(f.getKey(), f.getValue().asText()));
                writeItems(host, data, volume.at("/configMap/items"), true);
            } else if (volume.has("secret")) {
                String secret = volume.at("/secret/secretName").asText();
                Map<String, String> data = secrets.get(secret);
                if (data == null) {
                    throw new IllegalStateException(
                            name + ": no Secret " + secret + " (mounted at " + source.getKey() + ")");
                }
                writeItems(host, data, volume.at("/secret/items"), false);
            } else {
                throw new IllegalStateException(name + ": volume kind not mapped: " + volume);
            }
        }
    }

    private void writeItems(Path dir, Map<String, String> data, JsonNode items, boolean translate) throws IOException {
        Map<String, String> files = new LinkedHashMap<>();
        if (items.isMissingNode() || items.isEmpty()) {
            data.forEach(files::put);
        } else {
            for (JsonNode item : items) {
                String key = item.path("key").asText();
                if (!data.containsKey(key)) {
                    throw new IllegalStateException(name + ": no key " + key + " to mount");
                }
                files.put(item.path("path").asText(), data.get(key));
            }
        }
        for (Map.Entry<String, String> file : files.entrySet()) {
            Path target = dir.resolve(file.getKey());
            Files.createDirectories(target.getParent());
            Files.writeString(target, translate ? translateProperties(file.getValue()) : file.getValue());
        }
    }

    /** Values of {@code key=value} lines that are container paths under a mount, translated. */
    private String translateProperties(String text) {
        StringBuilder out = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            Matcher m = Pattern.compile("^(\\s*[^#!\\s][^=:]*?\\s*[=:]\\s*)(/\\S*)$")
                    .matcher(line);
            if (m.matches()) {
                line = m.group(1) + translatePath(m.group(2));
            }
            out.append(line).append('\n');
        }
        return out.substring(0, out.length() - 1);
    }

    private String translatePath(String value) {
        if (!value.startsWith("/")) {
            return value;
        }
        for (String mount : mounts.keySet()) {
            if (value.equals(mount) || value.startsWith(mount + "/")) {
                return hostPath(value).toString();
            }
        }
        return value;
    }

    // --- environment ---------------------------------------------------------------------------------------------

    private void resolveEnvironment(Installation installation, Map<String, Map<String, String>> secrets) {
        // Kubernetes sets it to the pod name
        environment.put("HOSTNAME", name);
        for (JsonNode e : container.path("env")) {
            String variable = e.path("name").asText();
            String value;
            if (e.has("value")) {
                value = translatePath(expand(e.path("value").asText()));
            } else {
                value = valueFrom(installation, e.path("valueFrom"), secrets, variable);
            }
            environment.put(variable, value);
        }
        if (container.has("envFrom")) {
            throw new IllegalStateException(name + ": envFrom is not mapped");
        }
    }

    /** Kubernetes' {@code $(VAR)} expansion against the variables defined before; {@code $$} is a dollar. */
    private String expand(String value) {
        Matcher m = DEPENDENT_VARIABLE.matcher(value);
        var out = new StringBuilder();
        while (m.find()) {
            String replacement = m.group().equals("$$") ? "$" : environment.getOrDefault(m.group(1), m.group());
            m.appendReplacement(out, Matcher.quoteReplacement(replacement));
        }
        m.appendTail(out);
        return out.toString();
    }

    private String valueFrom(
            Installation installation, JsonNode from, Map<String, Map<String, String>> secrets, String variable) {
        if (from.has("secretKeyRef")) {
            String secret = from.at("/secretKeyRef/name").asText();
            String key = from.at("/secretKeyRef/key").asText();
            String value = secrets.getOrDefault(secret, Map.of()).get(key);
            if (value == null) {
                throw new IllegalStateException(name + ": " + variable + " reads Secret " + secret + " key " + key
                        + ", which the test does not provide");
            }
            return value;
        }
        if (from.has("configMapKeyRef")) {
            return installation
                    .named("ConfigMap", from.at("/configMapKeyRef/name").asText())
                    .at("/data/" + from.at("/configMapKeyRef/key").asText())
                    .asText();
        }
        if (from.has("fieldRef")) {
            String field = from.at("/fieldRef/fieldPath").asText();
            return switch (field) {
                case "metadata.name" -> name;
                case "status.podIP", "status.hostIP" -> "127.0.0.1";
                default -> throw new IllegalStateException(name + ": fieldRef " + field + " is not mapped");
            };
        }
        if (from.has("resourceFieldRef")) {
            String resource = from.at("/resourceFieldRef/resource").asText();
            String quantity =
                    container.at("/resources/" + resource.replace('.', '/')).asText();
            if (quantity.isEmpty()) {
                throw new IllegalStateException(name + ": " + variable + " reads " + resource + ", which is not set");
            }
            BigDecimal divisor = quantity(from.at("/resourceFieldRef/divisor").asText("1"));
            // Kubernetes rounds up to the divisor
            return quantity(quantity).divide(divisor, 0, RoundingMode.CEILING).toPlainString();
        }
        throw new IllegalStateException(name + ": " + variable + " has a value source that is not mapped: " + from);
    }

    /** A Kubernetes quantity ({@code 500m}, {@code 2}, {@code 4Gi}, {@code 1M}). */
    static BigDecimal quantity(String q) {
        Matcher m = Pattern.compile("([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?").matcher(q.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a quantity: " + q);
        }
        BigDecimal n = new BigDecimal(m.group(1));
        String suffix = m.group(2) == null ? "" : m.group(2);
        return switch (suffix) {
            case "" -> n;
            case "m" -> n.movePointLeft(3);
            case "k" -> n.movePointRight(3);
            case "M" -> n.movePointRight(6);
            case "G" -> n.movePointRight(9);
            case "T" -> n.movePointRight(12);
            case "Ki" -> n.multiply(BigDecimal.valueOf(1L << 10));
            case "Mi" -> n.multiply(BigDecimal.valueOf(1L << 20));
            case "Gi" -> n.multiply(BigDecimal.valueOf(1L << 30));
            case "Ti" -> n.multiply(BigDecimal.valueOf(1L << 40));
            default -> throw new IllegalArgumentException("not a quantity: " + q);
        };
    }

    private static List<String> redact(List<String> command) {
        return command.stream()
                .map(s -> s.matches("(?i)-D[^=]*(secret|password|jaas)[^=]*=.*") ? s.replaceAll("=.*", "=***") : s)
                .toList();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
