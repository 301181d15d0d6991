package dev.streamtune.inference.drift;

import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.inference.stream.PredictionHeaders;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Suppressed;
import org.apache.kafka.streams.kstream.TimeWindows;
import org.apache.kafka.streams.processor.api.FixedKeyProcessor;
import org.apache.kafka.streams.processor.api.FixedKeyProcessorContext;
import org.apache.kafka.streams.processor.api.FixedKeyRecord;
import org.apache.kafka.streams.state.Stores;

/**
 * The drift monitor: predictions (with the input statistics their headers carry) grouped by model version into
 * tumbling windows; each closed window becomes a drift record on the monitoring topic, compared with the baselines
 * of that version's manifest (read from the models topic as a global table), and consecutive breaches raise a drift
 * alert.
 */
public final class DriftTopology {

    public static final String REGISTRY_STORE = "drift-registry";
    public static final String ALARM_STORE = "drift-alarms";
    static final String WINDOW_STORE = "drift-windows";

    private DriftTopology() {}

    public static Topology build(DriftSettings settings) {
        StreamsBuilder builder = new StreamsBuilder();
        JsonSerde<ModelRegistryEvent> registrySerde = JsonSerde.of(ModelRegistryEvent.class);
        builder.globalTable(
                settings.modelsTopic(),
                Consumed.with(Serdes.String(), registrySerde).withName("registry-source"),
                Materialized.<String, ModelRegistryEvent>as(Stores.inMemoryKeyValueStore(REGISTRY_STORE))
                        .withKeySerde(Serdes.String())
                        .withValueSerde(registrySerde));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(ALARM_STORE), Serdes.String(), JsonSerde.of(DriftAlarm.class)));

        long windowMs = settings.window().toMillis();
        builder.stream(
                        settings.predictionsTopic(),
                        Consumed.with(Serdes.String(), JsonSerde.of(Prediction.class))
                                .withName("predictions-source"))
                .filter((key, p) -> p != null && p.model() != null && p.label() != null, Named.as("valid-predictions"))
                .processValues(() -> new SampleExtractor(settings.lowConfidenceThreshold()), Named.as("drift-sample"))
                .selectKey((key, s) -> s.versionKey(), Named.as("by-model-version"))
                .mapValues(Keyed::sample, Named.as("sample"))
                .groupByKey(Grouped.with("drift-samples", Serdes.String(), JsonSerde.of(DriftSample.class)))
                .windowedBy(TimeWindows.ofSizeAndGrace(settings.window(), settings.grace()))
                .aggregate(
                        DriftWindow::new,
                        (key, sample, window) -> window.add(sample),
                        Named.as("drift-aggregate"),
                        Materialized.<String, DriftWindow>as(Stores.inMemoryWindowStore(
                                        WINDOW_STORE,
                                        java.time.Duration.ofMillis(
                                                windowMs + settings.grace().toMillis()),
                                        settings.window(),
                                        false))
                                .withKeySerde(Serdes.String())
                                .withValueSerde(JsonSerde.of(DriftWindow.class)))
                .suppress(Suppressed.untilWindowCloses(Suppressed.BufferConfig.unbounded())
                        .withName("drift-window-closed"))
                .toStream(Named.as("closed-windows"))
                .process(() -> new DriftAlertProcessor(settings), Named.as("drift-evaluate"), ALARM_STORE)
                .to(
                        settings.monitoringTopic(),
                        Produced.with(Serdes.String(), JsonSerde.of(MonitoringEvent.class))
                                .withName("monitoring-sink"));
        return builder.build();
    }

    /** A sample with the model-version key it is grouped by. */
    record Keyed(String versionKey, DriftSample sample) {}

    /** Reads a prediction and the token statistics in its headers. */
    private static final class SampleExtractor implements FixedKeyProcessor<String, Prediction, Keyed> {

        private final double lowConfidenceThreshold;
        private FixedKeyProcessorContext<String, Keyed> context;

        SampleExtractor(double lowConfidenceThreshold) {
            this.lowConfidenceThreshold = lowConfidenceThreshold;
        }

        @Override
        public void init(FixedKeyProcessorContext<String, Keyed> context) {
            this.context = context;
        }

        @Override
        public void process(FixedKeyRecord<String, Prediction> record) {
            Prediction p = record.value();
            double entropy = 0;
            for (double s : p.scores().values()) {
                if (s > 0) {
                    entropy -= s * Math.log(s);
                }
            }
            DriftSample sample = new DriftSample(
                    p.label(),
                    p.confidence(),
                    entropy,
                    p.confidence() < lowConfidenceThreshold,
                    PredictionHeaders.read(record.headers(), PredictionHeaders.TOKENS),
                    PredictionHeaders.read(record.headers(), PredictionHeaders.KEPT_TOKENS),
                    PredictionHeaders.read(record.headers(), PredictionHeaders.UNKNOWN_TOKENS));
            context.forward(record.withValue(new Keyed(ModelRegistryEvent.versionKey(p.model(), p.version()), sample)));
        }
    }
}
