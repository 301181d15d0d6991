package dev.streamtune.kafka;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/**
 * Prints how long an in-process broker takes to start (topics included) and to stop: the first start in a fresh JVM,
 * then the median of the following ones. A measurement, not a check: runs only with {@code -Dbenchmark=true}.
 *
 * <pre>
 * ./mvnw -q -pl deploy/embedded-kafka -am verify -Dbenchmark=true \
 *     -Dtest=EmbeddedKafkaStartupBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * grep -h 'embedded Kafka start:' deploy/embedded-kafka/target/surefire-reports/*Benchmark-output.txt
 * </pre>
 */
@EnabledIfSystemProperty(named = "benchmark", matches = "true")
class EmbeddedKafkaStartupBenchmark {

    private static final int STARTS = 6;

    @Test
    void printStartupTimes() {
        var starts = new ArrayList<Long>();
        var stops = new ArrayList<Long>();
        for (int i = 0; i < STARTS; i++) {
            long begin = System.nanoTime();
            var broker = EmbeddedKafkaBroker.builder().start();
            starts.add((System.nanoTime() - begin) / 1_000_000);
            begin = System.nanoTime();
            broker.close();
            stops.add((System.nanoTime() - begin) / 1_000_000);
        }
        String report = String.format(
                "embedded Kafka start: first (cold JVM) %d ms, median of next %d %d ms (all %s); stop median %d ms%n",
                starts.get(0), STARTS - 1, median(starts.subList(1, STARTS)), starts, median(stops));
        System.out.print(report);
    }

    private static long median(List<Long> values) {
        var sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
    }
}
