package dev.streamtune.trainer.support;

import dev.streamtune.kafka.standalone.StreamtuneKafka;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The standalone KRaft broker ({@link StreamtuneKafka}, the Streamtune topics created) as a child JVM on the test
 * class path: a real process that can be paused ({@code SIGSTOP}: clients see timeouts, not closed connections),
 * resumed and stopped.
 */
public final class BrokerProcess implements AutoCloseable {

    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    private final Process process;
    private final List<String> output;
    private final int port;

    private BrokerProcess(Process process, List<String> output, int port) {
        this.process = process;
        this.output = output;
        this.port = port;
    }

    /** Starts a broker on free ports with its data in {@code dataDir}, broker settings added as given. */
    public static BrokerProcess start(Path dataDir, Map<String, String> brokerProperties) throws Exception {
        int port = freePort();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp",
                System.getProperty("java.class.path"),
                StreamtuneKafka.class.getName(),
                "--data-dir",
                dataDir.toString(),
                "--port",
                Integer.toString(port),
                "--controller-port",
                Integer.toString(freePort())));
        brokerProperties.forEach((k, v) -> command.addAll(List.of("--broker-property", k + "=" + v)));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        List<String> output = Collections.synchronizedList(new ArrayList<>());
        CompletableFuture<Void> ready = new CompletableFuture<>();
        Thread reader = new Thread(
                () -> {
                    try (var lines = new BufferedReader(
                            new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                        String line;
                        while ((line = lines.readLine()) != null) {
                            output.add(line);
                            if (line.contains("Kafka ready in")) {
                                ready.complete(null);
                            }
                        }
                    } catch (IOException e) {
                        ready.completeExceptionally(e);
                    }
                    ready.completeExceptionally(new IllegalStateException("broker exited before ready"));
                },
                "broker-process-output");
        reader.setDaemon(true);
        reader.start();
        try {
            ready.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (Exception e) {
            process.destroyForcibly();
            throw new AssertionError("standalone broker did not start: " + output, e);
        }
        return new BrokerProcess(process, output, port);
    }

    public String bootstrapServers() {
        return "127.0.0.1:" + port;
    }

    public Map<String, Object> clientProperties() {
        return new HashMap<>(Map.of("bootstrap.servers", bootstrapServers()));
    }

    /** SIGSTOP: the broker stops answering but keeps its connections open, as a hung or paused machine does. */
    public void pause() {
        signal("STOP");
    }

    /** SIGCONT. */
    public void resume() {
        signal("CONT");
    }

    private void signal(String name) {
        try {
            Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid()))
                    .inheritIO()
                    .start();
            if (kill.waitFor() != 0) {
                throw new IllegalStateException("kill -" + name + " " + process.pid() + " failed");
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public void close() throws InterruptedException {
        resume(); // a stopped process does not act on SIGTERM
        process.toHandle().destroy();
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }

    @Override
    public String toString() {
        synchronized (output) {
            return "BrokerProcess[pid " + process.pid() + ", " + bootstrapServers() + ", last output "
                    + List.copyOf(output.subList(Math.max(0, output.size() - 5), output.size())) + "]";
        }
    }

    public static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
