package dev.streamtune.kafka.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A broker never outlives the JVM that started it: a "test JVM" (here a child {@link Holder}) starts a
 * {@link KafkaProcess} and then exits without closing it, or is killed outright so that no shutdown hook runs.
 */
class OrphanedNodeTest {

    private static final Duration BROKER_READY = Duration.ofSeconds(120);
    private static final Duration BROKER_GONE = Duration.ofSeconds(30);

    @TempDir
    Path dataDir;

    @Test
    void shouldHaltTheBrokerWhenItsParentJvmIsKilled() throws Exception {
        Process holder = startHolder();
        long broker = -1;
        try {
            broker = awaitBrokerPid(holder);
            assertThat(isRunning(broker)).isTrue();

            holder.destroyForcibly(); // SIGKILL: no shutdown hook, only the broker's own --parent-pid watch
            holder.waitFor();
            long killed = System.nanoTime();
            long pid = broker;
            await().atMost(BROKER_GONE).pollInterval(Duration.ofMillis(100)).until(() -> !isRunning(pid));
            System.out.printf(
                    "broker %d halted %d ms after its parent was killed%n",
                    pid, (System.nanoTime() - killed) / 1_000_000);
            assertThat(Files.readString(dataDir.resolve("console.log")))
                    .contains("parent process " + holder.pid() + " ended: halting");
        } finally {
            cleanUp(holder, broker);
        }
    }

    @Test
    void shouldKillTheBrokerWhenItsParentJvmExitsWithoutClosingIt() throws Exception {
        Process holder = startHolder();
        long broker = -1;
        try {
            broker = awaitBrokerPid(holder);
            assertThat(isRunning(broker)).isTrue();

            holder.getOutputStream().write("exit\n".getBytes(StandardCharsets.UTF_8));
            holder.getOutputStream().flush();
            assertThat(holder.waitFor(BROKER_GONE.toSeconds(), TimeUnit.SECONDS))
                    .isTrue();

            // the shutdown hook has killed the broker by the time the JVM is gone
            long pid = broker;
            await().atMost(Duration.ofSeconds(5)).until(() -> !isRunning(pid));
        } finally {
            cleanUp(holder, broker);
        }
    }

    private Process startHolder() throws IOException {
        var command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx128m",
                "-XX:TieredStopAtLevel=1",
                "-Djava.util.logging.manager=org.jboss.logmanager.LogManager",
                "-cp",
                System.getProperty("java.class.path"),
                Holder.class.getName(),
                dataDir.toString());
        return new ProcessBuilder(command).redirectErrorStream(true).start();
    }

    /** Reads the holder's output until it prints the broker's pid. */
    private static long awaitBrokerPid(Process holder) throws InterruptedException {
        BlockingQueue<String> lines = new LinkedBlockingQueue<>();
        var reader = new Thread(
                () -> {
                    try (var in = new BufferedReader(
                            new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line; (line = in.readLine()) != null; ) {
                            lines.add(line);
                        }
                    } catch (IOException e) {
                        lines.add("read failed: " + e);
                    }
                },
                "holder-output");
        reader.setDaemon(true);
        reader.start();
        var output = new StringBuilder();
        long deadline = System.nanoTime() + BROKER_READY.toNanos();
        while (System.nanoTime() < deadline) {
            String line = lines.poll(200, TimeUnit.MILLISECONDS);
            if (line != null) {
                output.append(line).append('\n');
                if (line.startsWith(Holder.BROKER_PID)) {
                    return Long.parseLong(
                            line.substring(Holder.BROKER_PID.length()).trim());
                }
            } else if (!holder.isAlive() && lines.isEmpty()) {
                break;
            }
        }
        throw new AssertionError("the holder printed no broker pid:\n" + output);
    }

    /** Alive and not a zombie (a process reparented to an init that does not reap stays one). */
    static boolean isRunning(long pid) {
        if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
            try {
                String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
                return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
            } catch (NoSuchFileException e) {
                return false;
            } catch (IOException e) {
                return true; // no /proc: trust ProcessHandle
            }
        }
        return false;
    }

    private static void cleanUp(Process holder, long broker) {
        holder.destroyForcibly();
        if (broker > 0) {
            ProcessHandle.of(broker).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    /**
     * Stands in for a test JVM: starts a node on the data dir given, prints its pid, and on "exit" (or the end) of its
     * input exits without closing it.
     */
    public static final class Holder {

        static final String BROKER_PID = "broker pid ";

        public static void main(String[] args) throws Exception {
            var kafka = KafkaProcess.builder()
                    .optDataDir(Path.of(args[0]))
                    .optCreateTopics(false)
                    .start();
            PrintStream out = System.out;
            out.println(BROKER_PID + kafka.pid());
            out.flush();
            var in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
            for (String line; (line = in.readLine()) != null && !line.equals("exit"); ) {
                // wait for "exit", or for the test JVM to be gone (end of input)
            }
            System.exit(0);
        }
    }
}
