package dev.streamtune.trainer.it;

import dev.streamtune.trainer.support.BrokerProcess;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The packaged trainer ({@code target/quarkus-app/quarkus-run.jar}) as a child JVM, started again with the very same
 * command line after a kill, as a supervisor would. Its console output is kept in memory and appended to a log file.
 */
final class TrainerProcess implements AutoCloseable {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private final List<String> command;
    private final Map<String, String> environment;
    private final Path log;
    private final int httpPort;
    private final int managementPort;
    private final List<String> lines = new ArrayList<>();
    private Process process;

    /**
     * @param settings system properties of the trainer ({@code -Dkey=value})
     * @param environment environment variables added to this JVM's
     */
    TrainerProcess(Map<String, String> settings, Map<String, String> environment, Path log) throws IOException {
        this.httpPort = BrokerProcess.freePort();
        this.managementPort = BrokerProcess.freePort();
        this.environment = Map.copyOf(environment);
        this.log = log;
        Files.deleteIfExists(log);
        Map<String, String> all = new LinkedHashMap<>();
        all.put("quarkus.http.port", Integer.toString(httpPort));
        // health may live on the management interface where that is enabled; ignored otherwise
        all.put("quarkus.management.port", Integer.toString(managementPort));
        all.put("ai.djl.offline", "true");
        all.put("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        all.putAll(settings);
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx1500m");
        all.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(jar().toString());
        this.command = List.copyOf(cmd);
    }

    /** The packaged application: {@code -Dstreamtune.trainer.jar}, else the module's build output. */
    static Path jar() {
        Path jar = Path.of(System.getProperty("streamtune.trainer.jar", "target/quarkus-app/quarkus-run.jar"));
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no packaged trainer at " + jar.toAbsolutePath()
                    + ": run ./mvnw -pl trainer-service -am package first (verify does it)");
        }
        return jar;
    }

    List<String> command() {
        return command;
    }

    /** Starts the process (again, after a kill) with the same command line. */
    synchronized void start() throws IOException {
        if (process != null && process.isAlive()) {
            throw new IllegalStateException("already running");
        }
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        process = builder.start();
        Process started = process;
        lines.add("----- started pid " + started.pid());
        Thread reader = new Thread(() -> pump(started), "trainer-process-output");
        reader.setDaemon(true);
        reader.start();
    }

    private void pump(Process p) {
        try (var in = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
                var out = new PrintWriter(Files.newBufferedWriter(
                        log,
                        StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE,
                        java.nio.file.StandardOpenOption.APPEND))) {
            out.println("----- pid " + p.pid());
            String line;
            while ((line = in.readLine()) != null) {
                out.println(line);
                out.flush();
                synchronized (this) {
                    lines.add(line);
                    notifyAll();
                }
            }
        } catch (IOException e) {
            // the process was killed: its output ends here
        }
        synchronized (this) {
            notifyAll();
        }
    }

    /** Number of output lines so far: pass it to {@link #awaitLine} to look only at what comes after. */
    synchronized int mark() {
        return lines.size();
    }

    /** Waits for an output line after {@code from} that {@code pattern} finds; returns the match. */
    synchronized Matcher awaitLine(Pattern pattern, int from, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        int next = from;
        while (true) {
            for (; next < lines.size(); next++) {
                Matcher m = pattern.matcher(lines.get(next));
                if (m.find()) {
                    return m;
                }
            }
            if (process == null || !process.isAlive()) {
                throw new AssertionError(
                        "trainer exited (" + exitDescription() + ") before printing " + pattern + "; log " + log);
            }
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("no line matching " + pattern + " within " + timeout + "; log " + log);
            }
            wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
        }
    }

    /** Polls readiness every 100 ms; returns how long it took from the call. */
    Duration awaitReady(Duration timeout) throws InterruptedException {
        long start = System.nanoTime();
        long deadline = start + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!alive()) {
                throw new AssertionError("trainer exited (" + exitDescription() + ") before ready; log " + log);
            }
            if (ready()) {
                return Duration.ofNanos(System.nanoTime() - start);
            }
            Thread.sleep(100);
        }
        throw new AssertionError("trainer not ready within " + timeout + "; log " + log);
    }

    /** {@code /q/health/ready} answers 200, on the management port where enabled, else on the HTTP port. */
    boolean ready() throws InterruptedException {
        HttpResponse<String> response = health("ready", Duration.ofSeconds(2));
        return response != null && response.statusCode() == 200;
    }

    /**
     * The answer of {@code /q/health/<kind>} ({@code ready}, {@code live}), its body saying why where it is down; null
     * while not listening or not answering within {@code timeout}.
     */
    HttpResponse<String> health(String kind, Duration timeout) throws InterruptedException {
        for (int port : new int[] {managementPort, httpPort}) {
            try {
                HttpResponse<String> response = HTTP.send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/q/health/" + kind))
                                .timeout(timeout)
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 404) {
                    return response;
                }
            } catch (IOException e) {
                // not listening (yet), or not this port
            }
        }
        return null;
    }

    synchronized boolean alive() {
        return process != null && process.isAlive();
    }

    /**
     * SIGTERM, as Kubernetes stops a pod; waits up to {@code grace} (the pod's termination grace period) for the
     * process to exit by itself and returns how long it took. Past the grace period it is killed, as the kubelet
     * would, and the test fails.
     */
    Duration stop(Duration grace) throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        long start = System.nanoTime();
        // the handle's SIGTERM: Process.destroy() also closes this side's pipes, losing what the stop logs
        p.toHandle().destroy();
        if (!p.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
            p.destroyForcibly().waitFor();
            throw new AssertionError("trainer still running " + grace + " after SIGTERM; killed; log " + log);
        }
        return Duration.ofNanos(System.nanoTime() - start);
    }

    /** SIGKILL, as {@code kill -9} or the OOM killer: no shutdown hook, no cleanup. */
    void kill() throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        p.destroyForcibly();
        p.waitFor();
    }

    private String exitDescription() {
        return process == null ? "never started" : "exit " + (process.isAlive() ? "-" : process.exitValue());
    }

    Path log() {
        return log;
    }

    @Override
    public void close() throws InterruptedException {
        Process p;
        synchronized (this) {
            p = process;
        }
        if (p != null && p.isAlive()) {
            // SIGTERM through the handle, as in stop(): Process.destroy() would close the pipe the last lines come on
            p.toHandle().destroy();
            if (!p.waitFor(60, TimeUnit.SECONDS)) {
                p.destroyForcibly().waitFor();
            }
        }
    }
}
