package dev.streamtune.trainer.dataset;

import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.validation.InputValidator;
import java.time.Clock;
import java.time.Duration;
import java.util.Objects;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The trainer's Kafka Streams topology: examples (raw bytes) → validated upsert/delete into the changelogged dataset
 * store, refused records → DLQ; commands and drift alerts (once per drift window) → {@link TrainerSignals}; the models topic as a global table
 * (the registry the version numbers and the champion come from).
 */
public final class DatasetTopology {

    /** Where to read and write, and how to judge and split examples. */
    public record Settings(
            String examplesTopic,
            String commandsTopic,
            String monitoringTopic,
            String modelsTopic,
            String dlqTopic,
            String model,
            InputValidator validator,
            SplitAssigner splits,
            Duration commandMaxAge,
            Clock clock) {

        public Settings {
            Objects.requireNonNull(examplesTopic, "examplesTopic");
            Objects.requireNonNull(commandsTopic, "commandsTopic");
            Objects.requireNonNull(monitoringTopic, "monitoringTopic");
            Objects.requireNonNull(modelsTopic, "modelsTopic");
            Objects.requireNonNull(dlqTopic, "dlqTopic");
            Objects.requireNonNull(model, "model");
            Objects.requireNonNull(validator, "validator");
            Objects.requireNonNull(splits, "splits");
            Objects.requireNonNull(commandMaxAge, "commandMaxAge");
            Objects.requireNonNull(clock, "clock");
        }
    }

    private DatasetTopology() {}

    public static Topology build(Settings settings, TrainerSignals signals) {
        StreamsBuilder builder = new StreamsBuilder();
        // caching off: a snapshot iterates the store itself, and its RocksDB iterator pins one consistent view
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(DatasetStores.DATASET),
                        Serdes.String(),
                        JsonSerde.of(DatasetEntry.class))
                .withCachingDisabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(DatasetStores.META), Serdes.String(), Serdes.Long())
                .withCachingDisabled());

        builder.addStateStore(Stores.keyValueStoreBuilder(
                        Stores.persistentKeyValueStore(DatasetStores.DRIFT_ALERTS), Serdes.String(), Serdes.Long())
                .withCachingDisabled());

        Produced<byte[], byte[]> toDlq = Produced.with(Serdes.ByteArray(), Serdes.ByteArray());

        builder.stream(
                        settings.examplesTopic(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("examples-source"))
                .process(
                        () -> new DatasetProcessor(settings.validator(), settings.splits()),
                        DatasetStores.DATASET,
                        DatasetStores.META)
                .to(settings.dlqTopic(), toDlq.withName("examples-dlq"));

        builder.stream(
                        settings.commandsTopic(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("commands-source"))
                .process(() ->
                        new CommandProcessor(settings.model(), settings.commandMaxAge(), settings.clock(), signals))
                .to(settings.dlqTopic(), toDlq.withName("commands-dlq"));

        builder.stream(
                        settings.monitoringTopic(),
                        Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("monitoring-source"))
                .process(
                        () -> new DriftAlertIntake(
                                settings.model(), settings.commandMaxAge(), settings.clock(), signals),
                        DatasetStores.DRIFT_ALERTS);

        builder.globalTable(
                settings.modelsTopic(),
                Consumed.with(Serdes.String(), JsonSerde.of(ModelRegistryEvent.class))
                        .withName("models-source"),
                Materialized.<String, ModelRegistryEvent, KeyValueStore<Bytes, byte[]>>as(DatasetStores.REGISTRY)
                        .withKeySerde(Serdes.String())
                        .withValueSerde(JsonSerde.of(ModelRegistryEvent.class)));
        return builder.build();
    }
}
