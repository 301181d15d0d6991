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
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Follows the compacted models topic from its beginning and keeps the model holder on the live version of one model:
 * every new LIVE record is fetched, verified, loaded, warmed up and self-checked on this thread, then swapped in.
 * Versions only move forward, except on a LIVE record flagged as a rollback; a record for the version in service with
 * another manifest (the trainer's v1 after a hand-made v1) replaces it.
 *
 * <p>A version that fails for good (bad signature, a model that does not run) is refused and reported; one that fails
 * in a way that may pass (the store unreachable, the artifact not yet visible) is retried with a growing backoff, each
 * attempt reported, up to {@link Settings#fetchAttempts()}. The model in service stays throughout. A failure while
 * handling one record is that record's; only a failure of the consumer itself ends the thread, which
 * {@link #failure()} then says.
 */
public final class RegistryFollower implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(RegistryFollower.class);
    static final String COMPONENT = "hot-swap";
    private static final Duration POSITION_TIMEOUT = Duration.ofSeconds(10);

    /**
     * @param fallbackDir a sealed artifact directory to serve when the topic has no live version
     * @param fetchAttempts attempts at a version whose artifact cannot be fetched yet before it is given up
     * @param firstRetry the wait before the second attempt; it doubles up to {@code maxRetry}
     */
    public record Settings(
            String topic,
            String model,
            Optional<Path> fallbackDir,
            Duration pollTimeout,
            int fetchAttempts,
            Duration firstRetry,
            Duration maxRetry) {

        /** Defaults for retries: 8 attempts, 1 s doubling up to 60 s (about 4 minutes in all). */
        public Settings(String topic, String model, Optional<Path> fallbackDir, Duration pollTimeout) {
            this(topic, model, fallbackDir, pollTimeout, 8, Duration.ofSeconds(1), Duration.ofSeconds(60));
        }
    }

    /** A LIVE record to load, and when it may next be tried. */
    private record Attempt(ModelRegistryEvent live, int number, long notBeforeNanos) {}

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
    private volatile Throwable failure;

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

    /** Whether the follower still follows (false after {@link #close()} or a failure). */
    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Why the follower stopped following, if it failed. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    private void run() {
        try {
            List<TopicPartition> partitions = awaitPartitions();
            if (partitions.isEmpty()) {
                return;
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> startEnd = awaitEndOffsets(partitions);
            Attempt next = null;
            boolean fallbackTried = false;
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(settings.pollTimeout())) {
                    ModelRegistryEvent live = liveRecord(record);
                    if (live != null) {
                        if (next != null) {
                            LOG.infof(
                                    "LIVE record for v%d superseded by one for v%d before it was applied",
                                    next.live().version(), live.version());
                        }
                        next = new Attempt(live, 1, 0); // only the latest LIVE record matters
                    }
                }
                if (!caughtUp) {
                    caughtUp = readTo(startEnd);
                    if (!caughtUp) {
                        continue;
                    }
                    LOG.infof("models topic %s read to its end: live record %s", settings.topic(), next);
                }
                if (next != null && System.nanoTime() >= next.notBeforeNanos()) {
                    next = apply(next);
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
                failure = e;
                LOG.error("registry follower woken up unexpectedly", e);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
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

    /**
     * Where the topic ends now, asked again while the broker does not answer in time (an outage at start-up): the
     * follower must not die over it, or no version after the one in service would ever be loaded.
     */
    private Map<TopicPartition, Long> awaitEndOffsets(List<TopicPartition> partitions) {
        while (running) {
            try {
                return consumer.endOffsets(partitions, POSITION_TIMEOUT);
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                LOG.warnf("cannot read where %s ends yet: %s; asking again", settings.topic(), e.getMessage());
                sleep(Duration.ofSeconds(1));
            }
        }
        return Map.of();
    }

    /** Whether the consumer has read up to {@code end}; false while its position is not known yet. */
    private boolean readTo(Map<TopicPartition, Long> end) {
        try {
            for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
                if (consumer.position(e.getKey(), POSITION_TIMEOUT) < e.getValue()) {
                    return false;
                }
            }
            return true;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            LOG.debugf("position on %s not known yet: %s", settings.topic(), e.getMessage());
            return false;
        }
    }

    /** The record's LIVE event for this model, or null (another key, a tombstone, or unreadable: reported). */
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
        } catch (RuntimeException e) {
            String where = record.topic() + "-" + record.partition() + "@" + record.offset();
            LOG.errorf("unreadable registry record at %s: %s", where, e.getMessage());
            monitoring.error(
                    settings.model(), null, COMPONENT, "malformed registry record at " + where + ": " + e.getMessage());
            return null;
        }
    }

    /** Tries to put a LIVE record's version in service; the attempt to make later, or null when done with it. */
    private Attempt apply(Attempt attempt) {
        ModelRegistryEvent live = attempt.live();
        LoadedModel serving = holder.peek();
        Long current = serving == null ? null : serving.version();
        if (current != null
                && live.version() == current
                && Objects.equals(live.manifestSha256(), serving.manifestSha256())) {
            return null;
        }
        if (current != null && live.version() < current && !live.rollback()) {
            LOG.warnf(
                    "ignoring LIVE record for v%d: v%d is in service and the record is not a rollback",
                    live.version(), current);
            return null;
        }
        String identity = live.version() + "@" + live.manifestSha256();
        if (refused.contains(identity)) {
            return null;
        }
        long start = System.nanoTime();
        try {
            swapIn(loader.load(live), start, live.rollback());
            return null;
        } catch (ModelLoadException e) {
            if (e.isTransient()) {
                return retryOrGiveUp(attempt, identity, e.reason());
            }
            refuse(live, identity, e.reason());
            return null;
        } catch (RuntimeException e) {
            // not a failure the loader knows (an I/O error while verifying, say): it may pass
            return retryOrGiveUp(attempt, identity, "unexpected failure: " + e);
        }
    }

    private Attempt retryOrGiveUp(Attempt attempt, String identity, String reason) {
        ModelRegistryEvent live = attempt.live();
        if (attempt.number() >= settings.fetchAttempts()) {
            refuse(live, identity, reason + " (gave up after " + attempt.number() + " attempts)");
            return null;
        }
        Duration wait = backoff(attempt.number());
        String message = reason + " (attempt " + attempt.number() + " of " + settings.fetchAttempts() + ", next in "
                + wait.toMillis() + " ms)";
        LOG.warnf("cannot load %s v%d yet: %s", live.name(), live.version(), message);
        monitoring.error(live.name(), live.version(), COMPONENT, message);
        return new Attempt(live, attempt.number() + 1, System.nanoTime() + wait.toNanos());
    }

    private Duration backoff(int attempt) {
        Duration wait = settings.firstRetry().multipliedBy(1L << Math.min(attempt - 1, 20));
        return wait.compareTo(settings.maxRetry()) > 0 ? settings.maxRetry() : wait;
    }

    private void refuse(ModelRegistryEvent live, String identity, String reason) {
        refused.add(identity);
        metrics.swap(false);
        LOG.errorf("refused %s v%d (v%s stays in service): %s", live.name(), live.version(), holder.version(), reason);
        monitoring.error(live.name(), live.version(), COMPONENT, reason);
    }

    private void loadFallback(Path dir) {
        long start = System.nanoTime();
        try {
            LoadedModel model = loader.loadDirectory(dir);
            if (!model.name().equals(settings.model())) {
                LOG.warnf("model directory %s holds %s, this service serves %s", dir, model.name(), settings.model());
            }
            swapIn(model, start, false);
        } catch (ModelLoadException | RuntimeException e) {
            String reason = e instanceof ModelLoadException m ? m.reason() : e.toString();
            metrics.swap(false);
            LOG.errorf("cannot serve the model directory %s: %s", dir, reason);
            monitoring.error(settings.model(), null, COMPONENT, "model directory " + dir + ": " + reason);
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

    /** An interrupt stops the follower: every loop checks {@code running}, and a sleep would not wait any more. */
    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            if (running) {
                LOG.warn("registry follower interrupted: it stops following (liveness turns DOWN)");
                running = false;
            }
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
