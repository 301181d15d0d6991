package dev.streamtune.inference.registry;

import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.LoadedModel;
import dev.streamtune.inference.model.ModelHolder;
import dev.streamtune.inference.model.ModelLoadException;
import dev.streamtune.inference.model.ModelLoader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Follows the compacted models topic from its beginning and keeps the model holder on the live version of one model:
 * every new LIVE record is fetched, verified, loaded, warmed up and self-checked on this thread, then swapped in.
 * Versions only move forward, except on a LIVE record flagged as a rollback. A version that fails keeps the old model
 * in service and is reported as an error event.
 */
public final class RegistryFollower implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RegistryFollower.class);
    static final String COMPONENT = "hot-swap";

    /**
     * @param fallbackDir a sealed artifact directory to serve when the topic has no live version
     */
    public record Settings(String topic, String model, Optional<Path> fallbackDir, Duration pollTimeout) {}

    private final Consumer<String, byte[]> consumer;
    private final ModelLoader loader;
    private final ModelHolder holder;
    private final MonitoringPublisher monitoring;
    private final InferenceMetrics metrics;
    private final Settings settings;
    private final JsonSerde<ModelRegistryEvent> serde = JsonSerde.of(ModelRegistryEvent.class);
    private final Set<String> refused = new HashSet<>();
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean caughtUp;

    public RegistryFollower(
            Consumer<String, byte[]> consumer,
            ModelLoader loader,
            ModelHolder holder,
            MonitoringPublisher monitoring,
            InferenceMetrics metrics,
            Settings settings) {
        this.consumer = consumer;
        this.loader = loader;
        this.holder = holder;
        this.monitoring = monitoring;
        this.metrics = metrics;
        this.settings = settings;
        this.thread = new Thread(this::run, "streamtune-registry-follower");
        this.thread.setDaemon(true);
    }

    public RegistryFollower start() {
        thread.start();
        return this;
    }

    /** Whether the topic has been read up to where it ended at start-up. */
    public boolean caughtUp() {
        return caughtUp;
    }

    private void run() {
        try {
            List<TopicPartition> partitions = awaitPartitions();
            if (partitions.isEmpty()) {
                return;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> startEnd = consumer.endOffsets(partitions);
            ModelRegistryEvent pending = null;
            boolean fallbackTried = false;
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(settings.pollTimeout())) {
                    ModelRegistryEvent live = liveRecord(record);
                    if (live != null) {
                        pending = live; // during replay only the latest LIVE record matters
                    }
                }
                if (!caughtUp) {
                    caughtUp =
                            startEnd.entrySet().stream().allMatch(e -> consumer.position(e.getKey()) >= e.getValue());
                    if (!caughtUp) {
                        continue;
                    }
                    LOG.infof("models topic %s read to its end: live record %s", settings.topic(), pending);
                }
                if (pending != null) {
                    apply(pending);
                    pending = null;
                }
                if (!holder.isLoaded()
                        && !fallbackTried
                        && settings.fallbackDir().isPresent()) {
                    fallbackTried = true;
                    loadFallback(settings.fallbackDir().get());
                }
            }
        } catch (WakeupException e) {
            if (running) {
                LOG.error("registry follower woken up unexpectedly", e);
            }
        } catch (RuntimeException e) {
            LOG.errorf(
                    e,
                    "registry follower on %s failed; the model in service stays, no further swaps",
                    settings.topic());
            monitoring.error(settings.model(), holder.version(), COMPONENT, "registry follower stopped: " + e);
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private List<TopicPartition> awaitPartitions() {
        while (running) {
            try {
                List<PartitionInfo> infos = consumer.partitionsFor(settings.topic(), Duration.ofSeconds(5));
                if (infos != null && !infos.isEmpty()) {
                    return infos.stream()
                            .map(p -> new TopicPartition(p.topic(), p.partition()))
                            .toList();
                }
                LOG.infof("waiting for models topic %s to exist", settings.topic());
            } catch (KafkaException e) {
                if (e instanceof WakeupException) {
                    throw e;
                }
                LOG.warnf("cannot read partitions of %s yet: %s", settings.topic(), e.getMessage());
            }
            sleep(Duration.ofSeconds(1));
        }
        return List.of();
    }

    private ModelRegistryEvent liveRecord(ConsumerRecord<String, byte[]> record) {
        if (!ModelRegistryEvent.liveKey(settings.model()).equals(record.key()) || record.value() == null) {
            return null;
        }
        try {
            ModelRegistryEvent event = serde.deserialize(record.topic(), record.value());
            if (event.status() != RegistryStatus.LIVE || !settings.model().equals(event.name())) {
                LOG.warnf(
                        "ignoring %s record for %s under the live key at %s-%d@%d",
                        event.status(), event.name(), record.topic(), record.partition(), record.offset());
                return null;
            }
            return event;
        } catch (SerializationException e) {
            LOG.errorf(
                    "malformed registry record at %s-%d@%d: %s",
                    record.topic(), record.partition(), record.offset(), e.getMessage());
            monitoring.error(
                    settings.model(),
                    null,
                    COMPONENT,
                    "malformed registry record at " + record.topic() + "-" + record.partition() + "@" + record.offset()
                            + ": " + e.getMessage());
            return null;
        }
    }

    void apply(ModelRegistryEvent live) {
        Long current = holder.version();
        if (current != null && live.version() == current) {
            return;
        }
        if (current != null && live.version() < current && !live.rollback()) {
            LOG.warnf(
                    "ignoring LIVE record for v%d: v%d is in service and the record is not a rollback",
                    live.version(), current);
            return;
        }
        String identity = live.version() + "@" + live.manifestSha256();
        if (refused.contains(identity)) {
            return;
        }
        long start = System.nanoTime();
        LoadedModel model;
        try {
            model = loader.load(live);
        } catch (ModelLoadException e) {
            refused.add(identity);
            metrics.swap(false);
            LOG.errorf("refused %s v%d (v%s stays in service): %s", live.name(), live.version(), current, e.reason());
            monitoring.error(live.name(), live.version(), COMPONENT, e.reason());
            return;
        }
        swapIn(model, start, live.rollback());
    }

    private void loadFallback(Path dir) {
        long start = System.nanoTime();
        try {
            LoadedModel model = loader.loadDirectory(dir);
            if (!model.name().equals(settings.model())) {
                LOG.warnf("model directory %s holds %s, this service serves %s", dir, model.name(), settings.model());
            }
            swapIn(model, start, false);
        } catch (ModelLoadException e) {
            metrics.swap(false);
            LOG.errorf("cannot serve the model directory %s: %s", dir, e.reason());
            monitoring.error(settings.model(), null, COMPONENT, "model directory " + dir + ": " + e.reason());
        }
    }

    private void swapIn(LoadedModel model, long startNanos, boolean rollbackFlag) {
        Long previous = holder.swap(model);
        long loadMillis = (System.nanoTime() - startNanos) / 1_000_000;
        boolean rollback = rollbackFlag && previous != null && model.version() < previous;
        metrics.swap(true);
        LOG.infof(
                "now serving %s (was v%s, loaded in %d ms%s)",
                model, previous, loadMillis, rollback ? ", rollback" : "");
        monitoring.swapped(model.name(), previous, model.version(), loadMillis, rollback);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        running = false;
        consumer.wakeup();
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
