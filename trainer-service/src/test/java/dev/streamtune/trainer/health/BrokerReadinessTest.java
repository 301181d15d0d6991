package dev.streamtune.trainer.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.kafka.BrokerReadiness;
import dev.streamtune.kafka.process.KafkaProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Kafka readiness check against a real broker (a child process): up with its nodes, down within its bound while
 * the broker is frozen (SIGSTOP: connections accepted, nothing answered; Quarkus' own check waited 60 s there), up
 * again once it answers; down while a topic the service reads is missing.
 */
class BrokerReadinessTest {

    private static final Duration BOUND = Duration.ofSeconds(2);

    @Test
    void shouldAnswerWithinItsBoundWhileTheBrokerDoesNotAnswer(@TempDir Path data) {
        try (KafkaProcess broker = KafkaProcess.start(data);
                BrokerReadiness readiness = new BrokerReadiness(broker.clientProperties(), BOUND, List.of())) {
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

    /** Down while a topic the service reads is missing (as Quarkus' Kafka Streams topics check, now disabled), naming it. */
    @Test
    void shouldBeDownWhileATopicItReadsIsMissing(@TempDir Path data) throws Exception {
        try (KafkaProcess broker = KafkaProcess.start(data);
                Admin admin = Admin.create(broker.clientProperties());
                BrokerReadiness readiness =
                        new BrokerReadiness(broker.clientProperties(), BOUND, List.of("present", "absent"))) {
            admin.createTopics(List.of(new NewTopic("present", 1, (short) 1)))
                    .all()
                    .get();

            HealthCheckResponse missing = readiness.response();
            assertThat(missing.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(missing.getData().orElseThrow())
                    .containsEntry("missing_topics", "absent")
                    .containsEntry("nodes", broker.bootstrapServers());

            admin.createTopics(List.of(new NewTopic("absent", 1, (short) 1)))
                    .all()
                    .get();
            await().atMost(Duration.ofSeconds(30))
                    .until(() -> readiness.response().getStatus() == HealthCheckResponse.Status.UP);
        }
    }
}
