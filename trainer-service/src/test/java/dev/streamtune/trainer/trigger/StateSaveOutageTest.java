package dev.streamtune.trainer.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.process.KafkaProcess;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A training request while the broker is away: the trigger cannot be saved, so the request fails with a reason the REST
 * API answers 503 for, and nothing is left pending in memory that a restart would forget (before, the trigger was kept
 * in memory and the caller told it failed: a run nobody was told about, lost again at the next restart). And a save
 * that timed out while the broker was frozen, written by the producer's retries once it answers, is not the topic's
 * last word: the scheduler writes the state it kept again.
 */
class StateSaveOutageTest {

    private static final String TOPIC = "trainer.state.outage";

    @Test
    void shouldLeaveNothingPendingWhenTheTriggerCannotBeSaved() throws Exception {
        TrainerStateStore store;
        TrainingScheduler scheduler;
        try (var broker = EmbeddedKafkaBroker.builder().optCreateTopics(false).start()) {
            store = new TrainerStateStore(TOPIC, broker.clientProperties(), Duration.ofSeconds(1));
            store.ensureTopic();
            scheduler = scheduler(store, Duration.ofHours(1));
            scheduler.start();
        }
        try (store;
                scheduler) {
            var trigger =
                    new TrainerState.Trigger(TriggerPolicy.MANUAL, "while the broker is away", "test", Instant.now());

            assertThatThrownBy(() -> scheduler.request(trigger))
                    .isInstanceOf(TrainerStateStore.UnavailableException.class)
                    .hasMessageContaining("cannot save trainer state");
            assertThat(scheduler.state().pending())
                    .as("nothing pending that was not saved")
                    .isNull();
        }
    }

    @Test
    void shouldWriteTheStateItKeptAgainOnceAFrozenBrokerAnswers(@TempDir Path data) throws Exception {
        try (KafkaProcess broker = KafkaProcess.start(data);
                TrainerStateStore store =
                        new TrainerStateStore(TOPIC, broker.clientProperties(), Duration.ofSeconds(1))) {
            store.ensureTopic();
            store.save(TrainerState.initial("m")); // the producer knows the partition's leader before the freeze
            try (TrainingScheduler scheduler = scheduler(store, Duration.ofMillis(200))) {
                scheduler.start();
                var trigger = new TrainerState.Trigger(
                        TriggerPolicy.MANUAL, "while the broker is frozen", "test", Instant.now());

                broker.pause();
                try {
                    assertThatThrownBy(() -> scheduler.request(trigger))
                            .isInstanceOf(TrainerStateStore.UnavailableException.class);
                } finally {
                    broker.resume();
                }

                // the producer's retries write the save the caller was told failed ...
                await().atMost(Duration.ofSeconds(60))
                        .until(() -> states(broker).stream().anyMatch(s -> s.pending() != null));
                // ... and the scheduler's own state, nothing pending, is written after it
                await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
                    List<TrainerState> states = states(broker);
                    assertThat(states.get(states.size() - 1).pending())
                            .as("the topic's last state, what a restart would load")
                            .isNull();
                });
                assertThat(store.load("m").pending()).isNull();
                assertThat(scheduler.state().pending()).isNull();
            }
        }
    }

    private static TrainingScheduler scheduler(TrainerStateStore store, Duration pollInterval) {
        return new TrainingScheduler(
                "m",
                new TriggerPolicy(5, Duration.ofHours(1), true),
                Duration.ofHours(1),
                pollInterval,
                store,
                (runId, trigger, cancellation) -> {
                    throw new AssertionError("no run expected");
                },
                null,
                () -> 0,
                () -> false,
                Clock.systemUTC(),
                outcome -> {});
    }

    /** Every state record on the topic, in order. */
    private static List<TrainerState> states(KafkaProcess broker) {
        Map<String, Object> config = new HashMap<>(broker.clientProperties());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        List<TrainerState> states = new ArrayList<>();
        JsonSerde<TrainerState> serde = JsonSerde.of(TrainerState.class);
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                consumer.poll(Duration.ofMillis(200)).forEach(r -> states.add(serde.deserialize(TOPIC, r.value())));
            }
        }
        return states;
    }
}
