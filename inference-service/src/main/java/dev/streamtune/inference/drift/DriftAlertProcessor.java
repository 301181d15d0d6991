package dev.streamtune.inference.drift;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.model.DriftBaselines;
import dev.streamtune.common.model.ModelManifest;
import dev.streamtune.common.model.ModelRegistryEvent;
import java.time.Instant;
import java.util.List;
import org.apache.kafka.streams.kstream.Windowed;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.TimestampedKeyValueStore;
import org.apache.kafka.streams.state.ValueAndTimestamp;
import org.jboss.logging.Logger;

/**
 * For each closed window of one model version: looks the version's baselines up in the registry, emits a drift
 * record, and raises a drift alert once the window has breached for the configured number of windows in a row
 * (cleared after as many clean windows in a row; see {@link DriftAlarm} for what breaks a run). The alert names the
 * window that raised it: the topology is at-least-once, and the trainer acts once per window.
 */
final class DriftAlertProcessor implements Processor<Windowed<String>, DriftWindow, String, MonitoringEvent> {

    private static final Logger LOG = Logger.getLogger(DriftAlertProcessor.class);

    private final DriftSettings settings;
    private final DriftCalculator calculator;
    private ProcessorContext<String, MonitoringEvent> context;
    private TimestampedKeyValueStore<String, ModelRegistryEvent> registry;
    private KeyValueStore<String, DriftAlarm> alarms;

    DriftAlertProcessor(DriftSettings settings) {
        this.settings = settings;
        this.calculator = new DriftCalculator(settings);
    }

    @Override
    public void init(ProcessorContext<String, MonitoringEvent> context) {
        this.context = context;
        this.registry = context.getStateStore(DriftTopology.REGISTRY_STORE);
        this.alarms = context.getStateStore(DriftTopology.ALARM_STORE);
    }

    @Override
    public void process(Record<Windowed<String>, DriftWindow> record) {
        if (record.value() == null) {
            return;
        }
        String versionKey = record.key().key();
        int split = versionKey.lastIndexOf("/v");
        String model = versionKey.substring(0, split);
        long version = Long.parseLong(versionKey.substring(split + 2));
        ModelManifest manifest = manifestOf(model, version);
        List<String> labels = manifest == null ? null : manifest.labels();
        DriftBaselines baselines = manifest == null ? null : manifest.baselines();
        if (baselines == null) {
            LOG.warnf("no baselines for %s: drift is reported without comparison", versionKey);
        }
        DriftCalculator.Evaluation evaluation = calculator.evaluate(
                model,
                version,
                record.key().window().startTime(),
                record.key().window().endTime(),
                record.value(),
                labels,
                baselines);
        long ts = record.key().window().end();
        context.forward(new Record<>(model, evaluation.event(), ts));

        DriftAlarm before = alarms.get(versionKey);
        before = before == null ? DriftAlarm.CLEAR : before;
        Instant windowStart = record.key().window().startTime();
        DriftAlarm alarm = before.next(
                windowStart,
                record.key().window().endTime(),
                evaluation.sized(),
                evaluation.event().breached(),
                settings.consecutiveWindows());
        if (alarm.raisedSince(before)) {
            boolean critical = evaluation.event().labelPsi() > 2 * settings.labelPsiThreshold();
            String message = "drift on " + model + " v" + version + " for " + alarm.breachedRun()
                    + " consecutive windows of " + settings.window() + ": " + String.join("; ", evaluation.breaches());
            LOG.warn(message);
            context.forward(new Record<>(
                    model,
                    new AlertEvent(
                            SchemaVersions.CURRENT,
                            model,
                            settings.instance(),
                            Instant.now(),
                            version,
                            MonitoringEvent.DRIFT,
                            critical ? "critical" : "warning",
                            message,
                            windowStart),
                    ts));
        } else if (alarm.clearedSince(before)) {
            LOG.infof("drift on %s cleared after %d clean windows", versionKey, alarm.cleanRun());
        }
        alarms.put(versionKey, alarm);
    }

    /** The version's record, else the live record when it is that version. */
    private ModelManifest manifestOf(String model, long version) {
        for (String key :
                new String[] {ModelRegistryEvent.versionKey(model, version), ModelRegistryEvent.liveKey(model)}) {
            ValueAndTimestamp<ModelRegistryEvent> entry = registry.get(key);
            if (entry != null
                    && entry.value() != null
                    && entry.value().version() == version
                    && entry.value().manifest() != null) {
                return entry.value().manifest();
            }
        }
        return null;
    }
}
