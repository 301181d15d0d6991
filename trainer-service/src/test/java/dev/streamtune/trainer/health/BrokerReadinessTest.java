package dev.streamtune.trainer.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.kafka.BrokerReadiness;
import dev.streamtune.kafka.process.KafkaProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka readiness check against a real broker (a child process): up with its nodes, down within its bound while
 * the broker is frozen (SIGSTOP: connections accepted, nothing answered; Quarkus' own check waited 60 s there), up
 * again once it answers.
 */
class BrokerReadinessTest {

    private static final Duration BOUND = Duration.ofSeconds(2);

    @Test
    void shouldAnswerWithinItsBoundWhileTheBrokerDoesNotAnswer(@TempDir Path data) {
        try (KafkaProcess broker = KafkaProcess.start(data);
                BrokerReadiness readiness = new BrokerReadiness(broker.clientProperties(), BOUND)) {
            HealthCheckResponse up = readiness.response();
            assertThat(up.getStatus()).isEqualTo(HealthCheckResponse.Status.UP);
            assertThat(up.getData().orElseThrow()).containsEntry("nodes", broker.bootstrapServers());

            broker.pause();
            HealthCheckResponse frozen;
            long took;
            try {
                long start = System.nanoTime();
                frozen = readiness.response();
                took = System.nanoTime() - start;
            } finally {
                broker.resume();
            }
            assertThat(frozen.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(frozen.getData().orElseThrow().get("reason").toString()).contains("within PT2S");
            // bound 2 s and the future's 0.5 s margin; a loaded machine adds scheduling, not a minute
            assertThat(Duration.ofNanos(took)).isLessThan(Duration.ofSeconds(10));

            await().atMost(Duration.ofSeconds(30))
                    .until(() -> readiness.response().getStatus() == HealthCheckResponse.Status.UP);
        }
    }
}
