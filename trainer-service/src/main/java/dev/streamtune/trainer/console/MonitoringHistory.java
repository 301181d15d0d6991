package dev.streamtune.trainer.console;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.AuditEvent;
import dev.streamtune.common.event.DriftEvent;
import dev.streamtune.common.event.ErrorEvent;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.SwapEvent;
import dev.streamtune.common.event.TrainingEpochEvent;
import dev.streamtune.common.event.TrainingProgressEvent;
import dev.streamtune.common.event.ValidationEvent;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.trainer.kafka.KafkaClients;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.jboss.logging.Logger;

/**
 * One model's history as the monitoring topic tells it, for the console: read from the beginning (read_committed,
 * no consumer group, so nothing is committed and a restart reads it all again) and then followed. Each kind of event
 * is kept up to a bound, the newest ones, so memory stays flat however long the topic's retention.
 */
public final class MonitoringHistory implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(MonitoringHistory.class);
    private static final JsonSerde<MonitoringEvent> SERDE = JsonSerde.of(MonitoringEvent.class);

    /** Most events kept per kind (drift windows, swaps, ...); the newest are kept. */
    public record Limits(int runs, int events, int driftWindows) {
        public static final Limits DEFAULT = new Limits(100, 500, 5_000);
    }

    /** What the console draws; every list oldest first. */
    public record Snapshot(
            boolean caughtUp,
            Map<String, List<TrainingEpochEvent>> epochsByRun,
            Map<String, TrainingProgressEvent> lastPhaseByRun,
            List<ValidationEvent> validations,
            List<SwapEvent> swaps,
            List<DriftEvent> drift,
            List<AlertEvent> alerts,
            List<ErrorEvent> errors,
            List<AuditEvent> audits,
            long skipped) {}

    /** Makes the follower's consumer from its settings; a new one after every failure. */
    @FunctionalInterface
    public interface ConsumerFactory {
        Consumer<String, byte[]> create(Map<String, Object> config);

        ConsumerFactory KAFKA =
                config -> new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer());
    }

    /**
     * How the follower fares: {@code stopped} when its thread has ended although the history was not closed (an
     * error escaped it), {@code failingSince} the first of the failures in a row it is retrying, empty once a read
     * succeeds again.
     */
    public record Health(boolean stopped, Optional<Instant> failingSince, Optional<String> lastFailure) {}

    private final String topic;
    private final String model;
    private final Map<String, Object> config;
    private final Limits limits;
    private final ConsumerFactory consumers;
    private final Clock clock;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile boolean caughtUp;
    private volatile Consumer<String, byte[]> consumer;
    private volatile Instant failingSince;
    private volatile String lastFailure;
    private volatile Throwable died;

    private final LinkedHashMap<String, List<TrainingEpochEvent>> epochsByRun = new LinkedHashMap<>();
    private final LinkedHashMap<String, TrainingProgressEvent> lastPhaseByRun = new LinkedHashMap<>();
    private final ArrayDeque<ValidationEvent> validations = new ArrayDeque<>();
    private final ArrayDeque<SwapEvent> swaps = new ArrayDeque<>();
    private final ArrayDeque<DriftEvent> drift = new ArrayDeque<>();
    private final ArrayDeque<AlertEvent> alerts = new ArrayDeque<>();
    private final ArrayDeque<ErrorEvent> errors = new ArrayDeque<>();
    private final ArrayDeque<AuditEvent> audits = new ArrayDeque<>();
    private long skipped;
    /** Next offset per partition, so that a reconnect resumes where reading stopped instead of adding it all again. */
    private final Map<TopicPartition, Long> position = new HashMap<>();

    public MonitoringHistory(String topic, String model, Map<String, Object> clientConfig, Limits limits) {
        this(topic, model, clientConfig, limits, ConsumerFactory.KAFKA, Clock.systemUTC());
    }

    public MonitoringHistory(
            String topic,
            String model,
            Map<String, Object> clientConfig,
            Limits limits,
            ConsumerFactory consumers,
            Clock clock) {
        this.topic = topic;
        this.model = model;
        this.limits = limits;
        this.consumers = consumers;
        this.clock = clock;
        this.config = KafkaClients.committedReader(clientConfig, "streamtune-trainer-console-" + model);
        this.thread = new Thread(this::runReportingDeath, "streamtune-console-history");
        this.thread.setDaemon(true);
    }

    /** The history of a service that has not started following the topic yet. */
    public static Snapshot empty() {
        return new Snapshot(
                false, Map.of(), Map.of(), List.of(), List.of(), List.of(), List.of(), List.of(), List.of(), 0);
    }

    public MonitoringHistory start() {
        thread.start();
        return this;
    }

    /** How the follower fares, for the health check. */
    public Health health() {
        boolean stopped = running && thread.getState() == Thread.State.TERMINATED;
        String failure = lastFailure;
        Throwable death = died;
        if (stopped && death != null) {
            failure = death.toString();
        }
        return new Health(stopped, Optional.ofNullable(failingSince), Optional.ofNullable(failure));
    }

    /** Whether the history has been read up to where the topic ended when this started following it. */
    public boolean caughtUp() {
        return caughtUp;
    }

    public synchronized Snapshot snapshot() {
        Map<String, List<TrainingEpochEvent>> epochs = new LinkedHashMap<>();
        epochsByRun.forEach((run, list) -> epochs.put(run, List.copyOf(list)));
        return new Snapshot(
                caughtUp,
                epochs,
                new LinkedHashMap<>(lastPhaseByRun),
                List.copyOf(validations),
                List.copyOf(swaps),
                List.copyOf(drift),
                List.copyOf(alerts),
                List.copyOf(errors),
                List.copyOf(audits),
                skipped);
    }

    /** Adds one event of this history's model; events of other models are ignored. */
    synchronized void add(MonitoringEvent event) {
        if (!model.equals(event.model())) {
            return;
        }
        if (event instanceof TrainingEpochEvent e) {
            epochsByRun.computeIfAbsent(e.runId(), r -> new ArrayList<>()).add(e);
            trimRuns(epochsByRun);
        } else if (event instanceof TrainingProgressEvent e) {
            lastPhaseByRun.remove(e.runId()); // re-inserted: the map stays in order of each run's latest event
            lastPhaseByRun.put(e.runId(), e);
            trimRuns(lastPhaseByRun);
        } else if (event instanceof ValidationEvent e) {
            bounded(validations, e, limits.events());
        } else if (event instanceof SwapEvent e) {
            bounded(swaps, e, limits.events());
        } else if (event instanceof DriftEvent e) {
            bounded(drift, e, limits.driftWindows());
        } else if (event instanceof AlertEvent e) {
            bounded(alerts, e, limits.events());
        } else if (event instanceof ErrorEvent e) {
            bounded(errors, e, limits.events());
        } else if (event instanceof AuditEvent e) {
            bounded(audits, e, limits.events());
        }
    }

    private synchronized void skip() {
        skipped++;
    }

    private <T> void trimRuns(LinkedHashMap<String, T> runs) {
        while (runs.size() > limits.runs()) {
            runs.remove(runs.keySet().iterator().next());
        }
    }

    private static <T> void bounded(ArrayDeque<T> events, T event, int limit) {
        events.addLast(event);
        while (events.size() > limit) {
            events.removeFirst();
        }
    }

    private void runReportingDeath() {
        try {
            run();
        } catch (Throwable t) {
            died = t;
            LOG.errorf(t, "console history: stopped following %s", topic);
            throw t;
        }
    }

    private void run() {
        Duration backoff = Duration.ofSeconds(1);
        while (running) {
            try (Consumer<String, byte[]> c = consumers.create(config)) {
                consumer = c;
                follow(c);
            } catch (WakeupException e) {
                if (running) {
                    LOG.warn("console history: woken up while running; starting over");
                }
            } catch (RuntimeException e) {
                if (!running) {
                    break;
                }
                if (failingSince == null) { // the first failure since reading worked: back off from the start
                    failingSince = clock.instant();
                    backoff = Duration.ofSeconds(1);
                }
                lastFailure = e.toString();
                LOG.warnf("console history: reading %s failed (%s); retrying in %s", topic, e.toString(), backoff);
                sleep(backoff);
                backoff = backoff.multipliedBy(2).compareTo(Duration.ofMinutes(1)) > 0
                        ? Duration.ofMinutes(1)
                        : backoff.multipliedBy(2);
            } finally {
                consumer = null;
            }
        }
    }

    /** Reads from where this history stopped (the beginning the first time) and follows the topic. */
    private void follow(Consumer<String, byte[]> c) {
        List<TopicPartition> partitions = KafkaClients.assignAll(c, topic, Duration.ofSeconds(30));
        Map<TopicPartition, Long> positions = Map.copyOf(position);
        for (TopicPartition tp : partitions) {
            Long at = positions.get(tp);
            if (at == null) {
                c.seekToBeginning(List.of(tp));
            } else {
                c.seek(tp, at);
            }
        }
        Map<TopicPartition, Long> end = c.endOffsets(partitions, Duration.ofSeconds(30));
        while (running) {
            ConsumerRecords<String, byte[]> records = c.poll(Duration.ofMillis(500));
            failingSince = null; // reading again
            for (ConsumerRecord<String, byte[]> r : records) {
                position.put(new TopicPartition(r.topic(), r.partition()), r.offset() + 1);
                if (r.value() == null) {
                    continue;
                }
                try {
                    add(Objects.requireNonNull(SERDE.deserialize(topic, r.value())));
                } catch (RuntimeException e) {
                    // another version's event, or not one at all: the console shows how many it could not read
                    skip();
                }
            }
            if (!caughtUp && partitions.stream().allMatch(tp -> c.position(tp) >= end.get(tp))) {
                caughtUp = true;
                LOG.infof("console history: read %s up to where it ended at start", topic);
            }
        }
    }

    private void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        Consumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        try {
            thread.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
