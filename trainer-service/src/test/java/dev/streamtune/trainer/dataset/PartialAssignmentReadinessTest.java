package dev.streamtune.trainer.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import dev.streamtune.trainer.kafka.PartitionCount;
import dev.streamtune.trainer.kafka.StreamsDatasetAccess;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A trainer is ready only while its Kafka Streams instance holds every examples partition: RUNNING with part of them
 * (a second instance in the group) would train on part of the dataset.
 */
@WithEmbeddedKafka
class PartialAssignmentReadinessTest {

    private static final String EXAMPLES = "readiness.examples";

    @TempDir
    Path nodeA;

    @TempDir
    Path nodeB;

    @Test
    void shouldNotBeReadyWhileAnotherInstanceHoldsSomeExamplePartitions(EmbeddedKafkaBroker kafka) throws Exception {
        kafka.admin()
                .createTopics(List.of(new NewTopic(EXAMPLES, Optional.of(4), Optional.empty())))
                .all()
                .get();
        try (KafkaStreams a = start(kafka, nodeA, "trainer-a")) {
            var datasetA = access(kafka, a);
            KafkaStreams b = start(kafka, nodeB, "trainer-b");
            try {
                var datasetB = access(kafka, b);
                await().atMost(Duration.ofSeconds(90))
                        .until(() -> a.state() == KafkaStreams.State.RUNNING
                                && b.state() == KafkaStreams.State.RUNNING
                                && !a.metadataForLocalThreads()
                                        .iterator()
                                        .next()
                                        .activeTasks()
                                        .isEmpty()
                                && !b.metadataForLocalThreads()
                                        .iterator()
                                        .next()
                                        .activeTasks()
                                        .isEmpty());

                assertThat(datasetA.ready()).isFalse();
                assertThat(datasetB.ready()).isFalse();
                assertThat(datasetA.notReadyReason().orElseThrow()).contains("of 4 partitions of " + EXAMPLES);
            } finally {
                // leaving (a static member, as trainers are, is removed from the group), its partitions move at once
                // instead of after its session timeout
                b.close(new KafkaStreams.CloseOptions().leaveGroup(true).timeout(Duration.ofSeconds(30)));
            }
            await().atMost(Duration.ofSeconds(90)).until(datasetA::ready);
        }
    }

    private static StreamsDatasetAccess access(EmbeddedKafkaBroker kafka, KafkaStreams streams) {
        return new StreamsDatasetAccess(streams, EXAMPLES, new PartitionCount(EXAMPLES, kafka.clientProperties()));
    }

    private static KafkaStreams start(EmbeddedKafkaBroker kafka, Path stateDir, String instance) {
        var settings = new DatasetTopology.Settings(
                EXAMPLES,
                StreamtuneTopics.COMMANDS_NAME,
                StreamtuneTopics.MONITORING_NAME,
                StreamtuneTopics.MODELS_NAME,
                StreamtuneTopics.DLQ_NAME,
                "m",
                InputValidator.DEFAULT,
                new SplitAssigner(0.1, 0.1, "s"),
                Duration.ofHours(1),
                Clock.systemUTC());
        Properties props = new Properties();
        props.putAll(kafka.clientProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "partial-assignment-test");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), instance);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        KafkaStreams streams = new KafkaStreams(DatasetTopology.build(settings, TrainerSignals.NONE), props);
        streams.start();
        return streams;
    }
}
