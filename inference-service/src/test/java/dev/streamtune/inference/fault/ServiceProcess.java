package dev.streamtune.inference.fault;

import dev.streamtune.inference.stream.ClassifyLoop;
import dev.streamtune.inference.support.TestModels;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The packaged inference service ({@code target/quarkus-app/quarkus-run.jar}) as a child JVM, so that it can be killed
 * the way a node or the kernel kills a pod: SIGKILL, no shutdown hook, no goodbye to the broker. Each start appends
 * to one log file; the same instance name (and so transactional id and group instance id) is used on every start.
 */
final class ServiceProcess implements AutoCloseable {

    static final Path APP = Path.of("target", "quarkus-app", "quarkus-run.jar");

    private final String name;
    private final Map<String, String> properties;
    private final Path log;
    private final int managementPort;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Instant> starts = new ArrayList<>();
    private Process process;

    /**
     * @param name the instance name ({@code streamtune.instance})
     * @param properties service settings, passed as system properties
     */
    ServiceProcess(String name, Map<String, String> properties, Path logDir) {
        if (!Files.isRegularFile(APP)) {
            throw new IllegalStateException(APP.toAbsolutePath() + " is missing: the fault suite runs after package");
        }
        this.name = name;
        this.managementPort = freePort();
        this.properties = new TreeMap<>(properties);
        this.properties.put("streamtune.instance", name);
        this.properties.put("quarkus.http.port", Integer.toString(freePort()));
        this.properties.put("quarkus.management.port", Integer.toString(managementPort));
        this.log = logDir.resolve(name + ".log");
    }

    /**
     * The settings of a service on its own topics, group, drift application, model and store (signed with the test
     * models' key; REST security off): add or override, then give them to the constructor.
     */
    static Map<String, String> settings(
            String bootstrapServers, ClassifyLoop.Topics topics, String model, Path storeRoot, Path cacheDir) {
        Map<String, String> p = new java.util.HashMap<>();
        p.put("kafka.bootstrap.servers", bootstrapServers);
        p.put("streamtune.topics.texts", topics.texts());
        p.put("streamtune.topics.predictions", topics.predictions());
        p.put("streamtune.topics.review", topics.review());
        p.put("streamtune.topics.dlq", topics.dlq());
        p.put("streamtune.stream.group-id", "group-" + topics.texts());
        p.put("streamtune.stream.review-threshold", "0.0");
        p.put("quarkus.kafka-streams.application-id", "drift-" + topics.texts());
        p.put("streamtune.model.name", model);
        p.put("streamtune.model.cache-dir", cacheDir.toString());
        p.put("streamtune.store.filesystem.root", storeRoot.toString());
        p.put("streamtune.signing.secret", TestModels.SECRET);
        p.put("streamtune.signing.key-id", TestModels.KEY_ID);
        p.put("streamtune.security.enabled", "false");
        return p;
    }

    String name() {
        return name;
    }

    Path log() {
        return log;
    }

    /** When each start began. */
    List<Instant> starts() {
        return List.copyOf(starts);
    }

    ServiceProcess start() {
        List<String> command = new ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        command.add("-Xmx768m");
        command.add("-XX:ActiveProcessorCount=2");
        command.add("-Dai.djl.offline=true");
        properties.forEach((k, v) -> command.add("-D" + k + "=" + v));
        command.add("-jar");
        command.add(APP.toString());
        try {
            Files.createDirectories(log.getParent());
            starts.add(Instant.now());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start " + name, e);
        }
        return this;
    }

    /** Waits until the service says it is ready (a model loaded, its group joined). */
    ServiceProcess awaitReady(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest ready = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/health/ready"))
                .timeout(Duration.ofSeconds(2))
                .build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(name + " exited with " + process.exitValue() + "; see " + log);
            }
            try {
                if (http.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return this;
                }
            } catch (IOException e) {
                // not listening yet
            }
            Thread.sleep(200);
        }
        throw new IllegalStateException(name + " not ready within " + timeout + "; see " + log);
    }

    /** SIGKILL, as the kernel's OOM killer or a lost node would. */
    void kill() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroyForcibly();
            process.waitFor();
        }
    }

    /** SIGTERM: the service commits what it has and leaves its group. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    /**
     * SIGTERM, as Kubernetes stops a pod; waits up to {@code grace} (the pod's termination grace period) for the
     * service to exit by itself and returns how long it took. Past the grace period it is killed, as the kubelet would,
     * and the test fails.
     */
    Duration stop(Duration grace) throws InterruptedException {
        long start = System.nanoTime();
        process.destroy();
        if (!process.waitFor(grace.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError(name + " still running " + grace + " after SIGTERM; killed; see " + log);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    boolean isAlive() {
        return process != null && process.isAlive();
    }

    /**
     * What an operator looks at first when the service stops producing: whether the process runs, its liveness
     * answer (which names a dead or stalled loop), and the last warnings and errors of its own code in its log.
     */
    String diagnosis() {
        StringBuilder out = new StringBuilder(name).append(isAlive() ? " is running" : " has exited");
        if (isAlive()) {
            HttpRequest live = HttpRequest.newBuilder(
                            URI.create("http://127.0.0.1:" + managementPort + "/q/health/live"))
                    .timeout(Duration.ofSeconds(5))
                    .build();
            try {
                HttpResponse<String> answer = http.send(live, HttpResponse.BodyHandlers.ofString());
                out.append("; liveness ")
                        .append(answer.statusCode())
                        .append(": ")
                        .append(answer.body());
            } catch (IOException e) {
                out.append("; liveness unanswered: ").append(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        try {
            List<String> own = Files.readAllLines(log).stream()
                    .filter(line ->
                            line.contains("[dev.streamtune") && (line.contains(" WARN ") || line.contains(" ERROR ")))
                    .toList();
            out.append("\nlast warnings and errors in ").append(log).append(":");
            own.subList(Math.max(0, own.size() - 15), own.size())
                    .forEach(line -> out.append("\n  ").append(line));
        } catch (IOException e) {
            out.append("\ncannot read ").append(log).append(": ").append(e);
        }
        return out.toString();
    }

    /** Resident set size of the running process, from /proc (Linux), in MiB. */
    long residentMib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
            }
        }
        throw new IOException("no VmRSS for " + process.pid());
    }

    /** The service's Prometheus metrics. */
    String scrape() throws IOException, InterruptedException {
        HttpRequest metrics = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort + "/q/metrics"))
                .timeout(Duration.ofSeconds(5))
                .build();
        return http.send(metrics, HttpResponse.BodyHandlers.ofString()).body();
    }

    /**
     * The sum of a metric's samples in a scrape, 0 when absent: {@code name} matches every label set, {@code
     * name{label="value"} the label sets that begin with those labels.
     */
    static double sum(String scrape, String metric) {
        double total = 0;
        for (String line : scrape.split("\n")) {
            boolean match = metric.contains("{")
                    ? line.startsWith(metric)
                    : line.startsWith(metric + " ") || line.startsWith(metric + "{");
            if (match) {
                total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        return total;
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
