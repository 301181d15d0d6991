package dev.streamtune.kafka.process;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Prints how long child-JVM brokers take to start, stop (SIGTERM), die (SIGKILL) and become ready again, alone and
 * as one node of a 3-node cluster: medians of a few rounds. A measurement, not a check: runs only with
 * {@code -Dbenchmark=true}.
 *
 * <pre>
 * ./mvnw -q -pl deploy/embedded-kafka -am verify -Dbenchmark=true \
 *     -Dtest=KafkaProcessBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * grep -h 'kafka process' deploy/embedded-kafka/target/surefire-reports/*KafkaProcessBenchmark-output.txt
 * </pre>
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class KafkaProcessBenchmark {

    private static final int ROUNDS = 3;

    @TempDir
    Path dataDir;

    @Test
    void printSingleNodeTimes() {
        var firstStart = new ArrayList<Long>();
        var stop = new ArrayList<Long>();
        var startAfterStop = new ArrayList<Long>();
        var kill = new ArrayList<Long>();
        var startAfterKill = new ArrayList<Long>();
        try (var kafka = KafkaProcess.builder()
                .optDataDir(dataDir)
                .optCreateTopics(false)
                .build()) {
            time(firstStart, () -> startAndAwait(kafka));
            for (int i = 0; i < ROUNDS; i++) {
                time(stop, () -> kafka.stop());
                time(startAfterStop, () -> startAndAwait(kafka));
                time(kill, () -> kafka.kill());
                time(startAfterKill, () -> startAndAwait(kafka));
            }
        }
        System.out.printf(
                "kafka process, single node: first start %d ms; medians of %d: SIGTERM stop %d ms, start after stop"
                        + " %d ms, SIGKILL %d ms, start after kill %d ms%n",
                firstStart.get(0), ROUNDS, median(stop), median(startAfterStop), median(kill), median(startAfterKill));
    }

    @Test
    void printClusterTimes() {
        var kill = new ArrayList<Long>();
        var startAfterKill = new ArrayList<Long>();
        var stop = new ArrayList<Long>();
        var startAfterStop = new ArrayList<Long>();
        long begin = System.nanoTime();
        try (var cluster = KafkaProcessCluster.builder().optDataDir(dataDir).start()) {
            long clusterStart = (System.nanoTime() - begin) / 1_000_000;
            for (int i = 0; i < ROUNDS; i++) {
                int node = 1 + i % 3;
                time(kill, () -> cluster.kill(node));
                time(startAfterKill, () -> cluster.start(node));
                time(stop, () -> cluster.stop(node));
                time(startAfterStop, () -> cluster.start(node));
            }
            System.out.printf(
                    "kafka process, 3-node cluster: start %d ms; medians of %d, one node: SIGKILL %d ms, start after"
                            + " kill %d ms, SIGTERM stop %d ms, start after stop %d ms%n",
                    clusterStart, ROUNDS, median(kill), median(startAfterKill), median(stop), median(startAfterStop));
        }
    }

    private static void startAndAwait(KafkaProcess kafka) {
        kafka.start();
        kafka.awaitReady();
    }

    private static void time(List<Long> times, Runnable action) {
        long begin = System.nanoTime();
        action.run();
        times.add((System.nanoTime() - begin) / 1_000_000);
    }

    private static long median(List<Long> values) {
        var sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
