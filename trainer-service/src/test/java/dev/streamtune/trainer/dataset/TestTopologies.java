package dev.streamtune.trainer.dataset;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.trainer.kafka.StreamsErrorHandlers;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.streams.StreamsConfig;

/** The dataset topology's settings on the default topics, and Kafka Streams set up as the trainer runs it. */
final class TestTopologies {

    private TestTopologies() {}

    static DatasetTopology.Settings settings(String model, SplitAssigner splits, Duration maxSignalAge, Clock clock) {
        return new DatasetTopology.Settings(
                StreamtuneTopics.EXAMPLES_NAME,
                StreamtuneTopics.COMMANDS_NAME,
                StreamtuneTopics.MONITORING_NAME,
                StreamtuneTopics.MODELS_NAME,
                StreamtuneTopics.DLQ_NAME,
                model,
                InputValidator.DEFAULT,
                splits,
                maxSignalAge,
                clock);
    }

    /**
     * Exactly-once, committing every 100 ms, reading from the start, the trainer's exception handlers, and the same
     * group instance id on every start (static membership, as the trainer runs): a trainer that starts again, on this
     * node or a fresh one, takes its partitions back at once instead of after the previous member's session timeout.
     */
    static Properties streamsProperties(EmbeddedKafkaBroker kafka, String applicationId, Path stateDir) {
        Properties props = new Properties();
        props.putAll(kafka.clientProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.consumerPrefix(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG), "trainer-0");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 100);
        props.put("auto.offset.reset", "earliest");
        props.put(
                StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG,
                StreamsErrorHandlers.Deserialization.class);
        props.put(StreamsConfig.PROCESSING_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsErrorHandlers.Processing.class);
        props.put(StreamsConfig.PRODUCTION_EXCEPTION_HANDLER_CLASS_CONFIG, StreamsErrorHandlers.Production.class);
        return props;
    }
}
