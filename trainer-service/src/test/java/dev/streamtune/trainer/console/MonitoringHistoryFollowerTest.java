package dev.streamtune.trainer.console;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.SwapEvent;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import dev.streamtune.trainer.health.ConsoleHistoryLivenessCheck;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.junit.jupiter.api.Test;

/**
 * The console's follower of the monitoring topic on a real broker: after a read failure it backs off, reads again
 * with a new consumer from where it stopped (nothing twice, nothing lost), and its health says how it fares.
 */
@WithEmbeddedKafka
class MonitoringHistoryFollowerTest {

    private static final String TOPIC = StreamtuneTopics.MONITORING_NAME;
    private static final Instant TS = Instant.parse("2026-12-01T10:00:00Z");

    @Test
    void shouldResumeWhereItStoppedAfterAReadFailure(EmbeddedKafkaBroker kafka) throws Exception {
        String model = "follower-recovers";
        try (var producer =
                new KafkaProducer<>(kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
            for (long v = 1; v <= 3; v++) {
                send(producer, model, v);
            }
        }
        AtomicBoolean failNextPoll = new AtomicBoolean();
        CountDownLatch brokerBack = new CountDownLatch(1);
        AtomicInteger consumersMade = new AtomicInteger();
        BlockingFactory consumers = config -> {
            if (consumersMade.incrementAndGet() > 1) {
                brokerBack.await(); // the broker is out of reach until the test says otherwise
            }
            return new FlakyConsumer(config, failNextPoll);
        };
        try (var history = new MonitoringHistory(
                        TOPIC,
                        model,
                        kafka.clientProperties(),
                        MonitoringHistory.Limits.DEFAULT,
                        interruptible(consumers),
                        Clock.systemUTC())
                .start()) {
            await().atMost(Duration.ofSeconds(60))
                    .until(() ->
                            history.caughtUp() && history.snapshot().swaps().size() == 3);
            assertThat(history.health().failingSince()).isEmpty();

            failNextPoll.set(true);
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> history.health().failingSince().isPresent());
            MonitoringHistory.Health failing = history.health();
            assertThat(failing.stopped()).isFalse();
            assertThat(failing.lastFailure())
                    .hasValueSatisfying(f -> assertThat(f).contains("injected read failure"));
            Instant since = failing.failingSince().orElseThrow();
            assertThat(ConsoleHistoryLivenessCheck.response(Optional.of(failing), since.plusSeconds(60))
                            .getStatus())
                    .isEqualTo(HealthCheckResponse.Status.UP);
            HealthCheckResponse stuck = ConsoleHistoryLivenessCheck.response(
                    Optional.of(failing),
                    since.plus(ConsoleHistoryLivenessCheck.MAX_FAILING).plusSeconds(1));
            assertThat(stuck.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(stuck.getData().orElseThrow().get("reason").toString()).contains("injected read failure");

            try (var producer = new KafkaProducer<>(
                    kafka.clientProperties(), new ByteArraySerializer(), new ByteArraySerializer())) {
                send(producer, model, 4);
                send(producer, model, 5);
            }
            brokerBack.countDown();
            await().atMost(Duration.ofSeconds(60))
                    .until(() -> history.snapshot().swaps().size() == 5
                            && history.health().failingSince().isEmpty());

            assertThat(history.snapshot().swaps())
                    .extracting(SwapEvent::toVersion)
                    .containsExactly(1L, 2L, 3L, 4L, 5L);
            assertThat(consumersMade).hasValue(2);
            assertThat(ConsoleHistoryLivenessCheck.response(Optional.of(history.health()), Instant.now())
                            .getStatus())
                    .isEqualTo(HealthCheckResponse.Status.UP);
        }
    }

    @Test
    void shouldReportAFollowerWhoseThreadDied(EmbeddedKafkaBroker kafka) {
        MonitoringHistory.ConsumerFactory broken = config -> {
            throw new LinkageError("injected: consumer classes missing");
        };
        try (var history = new MonitoringHistory(
                        TOPIC,
                        "follower-dies",
                        kafka.clientProperties(),
                        MonitoringHistory.Limits.DEFAULT,
                        broken,
                        Clock.systemUTC())
                .start()) {
            await().atMost(Duration.ofSeconds(60)).until(() -> history.health().stopped());

            HealthCheckResponse response =
                    ConsoleHistoryLivenessCheck.response(Optional.of(history.health()), Instant.now());
            assertThat(response.getStatus()).isEqualTo(HealthCheckResponse.Status.DOWN);
            assertThat(response.getData().orElseThrow().get("reason").toString())
                    .contains("stopped following")
                    .contains("injected: consumer classes missing");
        }
    }

    /** A factory that may wait: interrupted, it gives up like an unreachable broker would. */
    private static MonitoringHistory.ConsumerFactory interruptible(BlockingFactory factory) {
        return config -> {
            try {
                return factory.create(config);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new KafkaException("interrupted while waiting for the broker", e);
            }
        };
    }

    @FunctionalInterface
    private interface BlockingFactory {
        org.apache.kafka.clients.consumer.Consumer<String, byte[]> create(Map<String, Object> config)
                throws InterruptedException;
    }

    private static void send(KafkaProducer<byte[], byte[]> producer, String model, long version) throws Exception {
        SwapEvent swap = new SwapEvent(SchemaVersions.CURRENT, model, "inference-0", TS, null, version, 100, false);
        producer.send(new ProducerRecord<>(TOPIC, model.getBytes(StandardCharsets.UTF_8), Json.write(swap)))
                .get();
    }

    /** A real consumer whose next poll fails when told to: a read failure in the middle of following. */
    private static final class FlakyConsumer extends KafkaConsumer<String, byte[]> {

        private final AtomicBoolean failNextPoll;

        FlakyConsumer(Map<String, Object> config, AtomicBoolean failNextPoll) {
            super(config, new StringDeserializer(), new ByteArrayDeserializer());
            this.failNextPoll = failNextPoll;
        }

        @Override
        public ConsumerRecords<String, byte[]> poll(Duration timeout) {
            if (failNextPoll.getAndSet(false)) {
                throw new KafkaException("injected read failure");
            }
            return super.poll(timeout);
        }
    }
}
