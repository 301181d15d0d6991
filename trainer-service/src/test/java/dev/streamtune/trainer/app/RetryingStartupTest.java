package dev.streamtune.trainer.app;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.trainer.trigger.TrainerState;
import dev.streamtune.trainer.trigger.TrainerStateStore;
import dev.streamtune.trainer.trigger.TrainingScheduler;
import dev.streamtune.trainer.trigger.TriggerPolicy;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.junit.jupiter.api.Test;

/**
 * The trainer's start-up step against a broker that is not there yet (a cluster restart, a network policy applied
 * after the pods): the state topic and the remembered state are asked for again until the broker answers, instead of
 * ending start-up on the first timeout. The trainer lifecycle runs exactly this step ({@code TrainerLifecycle
 * .startScheduler}); the packaged trainer against a frozen broker is {@code TrainerKillIT}'s fault-suite case.
 */
class RetryingStartupTest {

    private static final String TOPIC = "trainer.state.late-broker";

    @Test
    void shouldStartTheSchedulerOnceABrokerThatWasOutOfReachAnswers() throws Exception {
        int port = freePort();
        Map<String, Object> client = Map.of(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                "127.0.0.1:" + port,
                CommonClientConfigs.RECONNECT_BACKOFF_MAX_MS_CONFIG,
                200);
        AtomicInteger ticks = new AtomicInteger();
        try (var store = new TrainerStateStore(TOPIC, client, Duration.ofSeconds(1));
                var scheduler = scheduler(store, ticks)) {
            try (var startup = new RetryingStartup(
                    "reading the trainer state topic " + TOPIC,
                    () -> {
                        store.ensureTopic();
                        scheduler.start();
                    },
                    Duration.ofMillis(100),
                    Duration.ofMillis(400))) {
                startup.start();

                awaitFailures(startup, 2);
                assertThat(startup.done()).isFalse();
                assertThat(startup.waitingReason()).hasValueSatisfying(reason -> assertThat(reason)
                        .startsWith("reading the trainer state topic " + TOPIC + " failed")
                        .contains("timed out"));
                assertThat(scheduler.state()).as("nothing read yet").isNull();

                try (var broker = EmbeddedKafkaBroker.builder()
                        .optPort(port)
                        .optCreateTopics(false)
                        .start()) {
                    assertThat(startup.await(Duration.ofSeconds(60)))
                            .as("started once the broker answered; %s", startup.waitingReason())
                            .isTrue();
                    assertThat(startup.waitingReason()).isEmpty();
                    assertThat(scheduler.state()).isEqualTo(TrainerState.initial("m"));
                    try (Admin admin = Admin.create(broker.clientProperties())) {
                        assertThat(admin.listTopics().names().get()).contains(TOPIC);
                    }
                    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (ticks.get() < 3 && System.nanoTime() < deadline) {
                        Thread.sleep(20);
                    }
                    assertThat(ticks).as("the scheduler ticks").hasValueGreaterThanOrEqualTo(3);
                }
            }
        }
    }

    @Test
    void shouldStopAskingWhenClosed() throws Exception {
        AtomicInteger attempts = new AtomicInteger();
        RetryingStartup startup = new RetryingStartup(
                "a step that never succeeds",
                () -> {
                    attempts.incrementAndGet();
                    throw new IllegalStateException("no broker");
                },
                Duration.ofMillis(10),
                Duration.ofMillis(20));
        startup.start();
        awaitFailures(startup, 3);

        startup.close();
        int after = attempts.get();
        Thread.sleep(200);

        assertThat(attempts).as("no attempt after close").hasValue(after);
        assertThat(startup.done()).isFalse();
        assertThat(startup.waitingReason())
                .hasValueSatisfying(r -> assertThat(r).contains("no broker"));
    }

    private static void awaitFailures(RetryingStartup startup, int n) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (startup.failedAttempts() < n) {
            assertThat(System.nanoTime())
                    .as("%d failed attempts within 60 s", n)
                    .isLessThan(deadline);
            Thread.sleep(20);
        }
    }

    /** A scheduler whose readiness check counts its ticks (it asks before every decision) and that never runs. */
    private static TrainingScheduler scheduler(TrainerStateStore store, AtomicInteger ticks) {
        return new TrainingScheduler(
                "m",
                new TriggerPolicy(5, Duration.ofHours(1), true),
                Duration.ofHours(1),
                Duration.ofMillis(50),
                store,
                (runId, trigger, cancellation) -> {
                    throw new AssertionError("no run expected");
                },
                null,
                () -> 0,
                () -> {
                    ticks.incrementAndGet();
                    return false;
                },
                Clock.systemUTC(),
                outcome -> {});
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }
}
