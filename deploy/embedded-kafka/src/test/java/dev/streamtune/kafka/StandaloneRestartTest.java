package dev.streamtune.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.standalone.StreamtuneKafka;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The standalone broker as a real child JVM: stopped with SIGTERM and started again on the same data dir. */
class StandaloneRestartTest {

    private static final Pattern READY = Pattern.compile("Kafka ready in \\d+ ms: .* cluster id (\\S+),");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(90);

    @TempDir
    Path dataDir;

    @Test
    void shouldKeepTopicsRecordsAndClusterIdAcrossARestart() throws Exception {
        int port = freePort();
        int controllerPort = freePort();
        String bootstrap = "127.0.0.1:" + port;
        Map<String, Object> client = Map.of("bootstrap.servers", bootstrap);

        var first = StandaloneProcess.start(dataDir, port, controllerPort);
        String clusterId = first.clusterId();
        try (var producer = EmbeddedKafkaBrokerTest.producer(client)) {
            producer.send(new ProducerRecord<>(StreamtuneTopics.EXAMPLES_NAME, "e1", "{\"label\":\"spam\"}"))
                    .get();
            producer.send(new ProducerRecord<>(StreamtuneTopics.EXAMPLES_NAME, "e2", "{\"label\":\"ham\"}"))
                    .get();
        }
        assertThat(first.stop()).as("clean shutdown logged").contains("Kafka stopped");

        var second = StandaloneProcess.start(dataDir, port, controllerPort);
        try {
            assertThat(second.clusterId()).isEqualTo(clusterId);
            List<ConsumerRecord<String, String>> records =
                    EmbeddedKafkaBrokerTest.consume(client, StreamtuneTopics.EXAMPLES_NAME, 2, "read_committed");
            assertThat(records).extracting(ConsumerRecord::key).containsExactly("e1", "e2");
            try (var admin = Admin.create(client)) {
                assertThat(admin.listTopics().names().get())
                        .containsAll(StreamtuneTopics.all().stream()
                                .map(t -> t.name())
                                .toList());
            }
        } finally {
            second.stop();
        }
    }

    private static int freePort() throws IOException {
        try (var socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    /** A {@code java -cp <test classpath> StreamtuneKafka} child process and its console output. */
    private record StandaloneProcess(Process process, Thread reader, List<String> output, String clusterId) {

        static StandaloneProcess start(Path dataDir, int port, int controllerPort) throws Exception {
            String java =
                    Path.of(System.getProperty("java.home"), "bin", "java").toString();
            var process = new ProcessBuilder(
                            java,
                            "-Xmx512m",
                            "-XX:TieredStopAtLevel=1",
                            "-cp",
                            System.getProperty("java.class.path"),
                            StreamtuneKafka.class.getName(),
                            "--data-dir",
                            dataDir.toString(),
                            "--port",
                            Integer.toString(port),
                            "--controller-port",
                            Integer.toString(controllerPort))
                    .redirectErrorStream(true)
                    .start();
            var output = Collections.synchronizedList(new ArrayList<String>());
            var clusterId = new CompletableFuture<String>();
            var reader = new Thread(
                    () -> {
                        try (var lines = new BufferedReader(
                                new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                            String line;
                            while ((line = lines.readLine()) != null) {
                                output.add(line);
                                Matcher ready = READY.matcher(line);
                                if (ready.find()) {
                                    clusterId.complete(ready.group(1));
                                }
                            }
                        } catch (IOException e) {
                            clusterId.completeExceptionally(e);
                        }
                        clusterId.completeExceptionally(new IllegalStateException("exited before ready: " + output));
                    },
                    "standalone-kafka-output");
            reader.setDaemon(true);
            reader.start();
            try {
                return new StandaloneProcess(
                        process, reader, output, clusterId.get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            } catch (Exception e) {
                process.destroyForcibly();
                throw new AssertionError("standalone Kafka did not start: " + output, e);
            }
        }

        /** SIGTERM, then the output once the process has exited. */
        String stop() throws InterruptedException {
            // SIGTERM; Process.destroy() would also close our end of its output
            process.toHandle().destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new AssertionError("standalone Kafka ignored SIGTERM: " + output);
            }
            reader.join(10_000); // the last lines
            synchronized (output) {
                return "exit " + process.exitValue() + "\n" + String.join("\n", output);
            }
        }
    }
}
