package dev.streamtune.trainer.kafka;

import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.kafka.ProducerFailure;
import dev.streamtune.common.kafka.TransactionOwnership;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.trainer.publish.RegistryWriteException;
import dev.streamtune.trainer.publish.RegistryWriteException.Outcome;
import dev.streamtune.trainer.publish.RegistryWriter;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Consumer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.jboss.logging.Logger;

/**
 * Writes registry records in Kafka transactions: a version's PUBLISHED record and the LIVE record appear together or
 * not at all for read_committed readers, and a second trainer with the same transactional id fences the first.
 *
 * <p>Every producer failure is classed by {@link ProducerFailure}: a commit that timed out is retried as the same
 * commit (the producer refuses anything else until it completes); an abortable failure aborts and the whole write is
 * tried again; a producer in an unknown state is replaced, unless its transaction ended because another trainer's
 * producer took the transactional id (asked of the coordinator: {@code TransactionOwnership}); fencing is fatal. When a commit was attempted and its result
 * is unknown, a new producer with the same transactional id completes or aborts the transaction, and the models topic
 * is read back (read_committed) for the write's id: a write returns only if readers see its records, and throws
 * {@link RegistryWriteException} saying whether they see nothing or, the broker out of reach throughout, perhaps all.
 */
public final class KafkaRegistryWriter implements RegistryWriter, AutoCloseable {

    /** Header carrying the id of the write a record belongs to: how an unknown outcome is read back. */
    public static final String WRITE_ID_HEADER = "streamtune.registry.write-id";

    private static final Logger LOG = Logger.getLogger(KafkaRegistryWriter.class);
    private static final long MAX_BACKOFF_MS = 2_000;
    /** Longer than a second producer takes between its fencing bump and its own (see {@link TransactionOwnership}). */
    private static final Duration OWNERSHIP_SETTLE = Duration.ofSeconds(3);

    private final String topic;
    private final String transactionalId;
    private final Map<String, Object> config;
    private final Map<String, Object> connection;
    private final Duration timeout;
    private final ModelsTopicReader reader;
    private final Consumer<List<ModelRegistryEvent>> committed;
    private Producer<String, ModelRegistryEvent> producer;
    private Admin admin;
    private volatile RuntimeException fatalFailure;

    /**
     * @param transactionalId one per model name, stable across restarts: a restarted or second trainer of the same
     *     model fences the previous one
     * @param timeout how long a write keeps retrying (a commit that times out, a producer that cannot start), and then
     *     how long it keeps trying to learn an unknown outcome
     * @param committed told of every committed batch (read-your-writes for a registry view that lags the topic)
     */
    public KafkaRegistryWriter(
            String topic,
            String transactionalId,
            Map<String, Object> clientConfig,
            Duration timeout,
            Consumer<List<ModelRegistryEvent>> committed) {
        this.topic = topic;
        this.transactionalId = transactionalId;
        this.timeout = timeout;
        this.committed = committed;
        this.reader = new ModelsTopicReader(topic, clientConfig);
        this.connection = Map.copyOf(clientConfig);
        Map<String, Object> c = new HashMap<>(clientConfig);
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, "streamtune-trainer-registry");
        // a blocked call returns within this and is retried until the write's timeout: a stopping trainer is not held
        c.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, (int) Math.min(10_000, Math.max(1_000, timeout.toMillis())));
        this.config = Map.copyOf(c);
    }

    /**
     * Starts the transactional producer now rather than at the first write: fences a previous instance and completes or
     * aborts what it left open, which would otherwise hold read_committed readers of the models topic back until its
     * transaction times out. Blocks up to {@code max.block.ms} (and, against a broker that accepts connections but does
     * not answer, the producer's close after that): call it off the start-up thread. A producer that cannot start yet
     * is started by the first write.
     *
     * @throws RegistryWriteException when the cluster refuses this producer for good (fenced, not authorized)
     */
    public synchronized void startProducer() {
        if (producer != null) {
            return;
        }
        try {
            producer = create();
        } catch (RuntimeException e) {
            if (ProducerFailure.of(e) == ProducerFailure.FATAL) {
                throw fatal(e, Outcome.NOT_WRITTEN);
            }
            LOG.warnf(
                    "Registry producer %s not started yet (%s); the first write starts it",
                    transactionalId, e.toString());
        }
    }

    /** Why this writer can write no more (fenced, refused by the cluster); empty while it can. */
    public Optional<String> fatalFailure() {
        RuntimeException failure = fatalFailure;
        return failure == null ? Optional.empty() : Optional.of(fatalMessage(failure));
    }

    @Override
    public synchronized void write(List<ModelRegistryEvent> events) {
        if (fatalFailure != null) {
            throw new RegistryWriteException(fatalMessage(fatalFailure), Outcome.NOT_WRITTEN, true, fatalFailure);
        }
        String writeId = UUID.randomUUID().toString();
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int attempt = 1; ; attempt++) {
            RuntimeException failure = transact(events, writeId, deadline);
            if (failure == null) {
                committed.accept(events);
                return;
            }
            // not committed, for certain
            if (ProducerFailure.causedByRecord(failure) || System.nanoTime() > deadline || interrupted()) {
                throw new RegistryWriteException(
                        "registry write to " + topic + " failed, nothing of it is visible: " + failure,
                        Outcome.NOT_WRITTEN,
                        false,
                        failure);
            }
            LOG.warnf("Registry write %s to %s rolled back (%s); trying again", writeId, topic, failure.toString());
            pause(attempt, deadline);
        }
    }

    /** One transaction: null when committed, else the failure of a transaction that certainly did not commit. */
    private RuntimeException transact(List<ModelRegistryEvent> events, String writeId, long deadline) {
        Producer<String, ModelRegistryEvent> p;
        try {
            p = producer(deadline);
        } catch (RuntimeException e) {
            if (ProducerFailure.of(e) == ProducerFailure.FATAL) {
                throw fatal(e, Outcome.NOT_WRITTEN);
            }
            return e;
        }
        boolean commitAttempted = false;
        try {
            p.beginTransaction();
            for (ModelRegistryEvent event : events) {
                var record = new ProducerRecord<>(topic, event.key(), event);
                record.headers().add(WRITE_ID_HEADER, writeId.getBytes(StandardCharsets.UTF_8));
                p.send(record); // a failed send makes the commit throw
            }
            commitAttempted = true;
            commitRetrying(p, deadline);
            return null;
        } catch (RuntimeException e) {
            return recover(e, commitAttempted, writeId);
        }
    }

    /** A commit that timed out must be retried as the same call: the producer refuses anything else until then. */
    private void commitRetrying(Producer<String, ModelRegistryEvent> p, long deadline) {
        for (int attempt = 1; ; attempt++) {
            try {
                p.commitTransaction();
                return;
            } catch (RuntimeException e) {
                if (ProducerFailure.of(e) != ProducerFailure.RETRIABLE
                        || System.nanoTime() > deadline
                        || interrupted()) {
                    throw e;
                }
                LOG.warnf("Commit to %s did not complete (%s); retrying the same commit", topic, e.toString());
                pause(attempt, deadline);
            }
        }
    }

    /**
     * Leaves no transaction open. Returns {@code failure} when the transaction certainly did not commit (aborted, or
     * never asked to commit), null when it did (learnt by reading it back).
     */
    private RuntimeException recover(RuntimeException failure, boolean commitAttempted, String writeId) {
        ProducerFailure kind = ProducerFailure.of(failure);
        if (kind == ProducerFailure.FATAL || takenOver(failure)) {
            return stopped(failure, commitAttempted, writeId);
        }
        // an abort settles it (even after a stale epoch: the producer then bumps its epoch, or learns it was fenced by
        // another trainer, which a new producer would fence in turn); not after a timed-out commit, which it refuses
        boolean timedOutCommit = kind == ProducerFailure.RETRIABLE && commitAttempted;
        if (!timedOutCommit) {
            try {
                if (abort()) {
                    return failure;
                }
            } catch (RuntimeException fatal) {
                return stopped(fatal, commitAttempted, writeId);
            }
        }
        discardProducer();
        if (!commitAttempted) {
            return failure; // a transaction that was never asked to commit never commits; the next producer aborts it
        }
        LOG.warnf(
                "Outcome of registry write %s to %s unknown after %s; completing it with a new producer and reading"
                        + " the topic back",
                writeId, topic, failure.toString());
        return resolve(writeId, failure) ? null : failure;
    }

    /**
     * This producer can do no more. Whoever fenced it completed or aborted its transaction first, so the topic has the
     * answer: null when the write committed all the same; later writes are refused either way.
     */
    private RuntimeException stopped(RuntimeException failure, boolean commitAttempted, String writeId) {
        discardProducer();
        if (commitAttempted && readBack(writeId, failure)) {
            fatalFailure = failure;
            LOG.error(fatalMessage(failure) + " (its last write did commit)");
            return null;
        }
        throw fatal(failure, Outcome.NOT_WRITTEN);
    }

    /**
     * Whether another trainer's producer took the transactional id ({@link TransactionOwnership}); false when it
     * cannot tell.
     */
    private boolean takenOver(RuntimeException failure) {
        try {
            return TransactionOwnership.takenOver(this::admin, transactionalId, OWNERSHIP_SETTLE, failure);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** The admin client that asks the transaction coordinator, made on first use. */
    private Admin admin() {
        if (admin == null) {
            admin = Admin.create(connection);
        }
        return admin;
    }

    /** A new producer completes or aborts the transaction left open; then the topic says which. */
    private boolean resolve(String writeId, RuntimeException failure) {
        long deadline = System.nanoTime() + timeout.toNanos();
        for (int attempt = 1; ; attempt++) {
            try {
                producer(deadline);
                return readBack(writeId, failure);
            } catch (RegistryWriteException e) {
                throw e;
            } catch (RuntimeException e) {
                if (ProducerFailure.of(e) == ProducerFailure.FATAL) {
                    throw fatal(e, Outcome.UNKNOWN);
                }
                if (System.nanoTime() > deadline || interrupted()) {
                    throw new RegistryWriteException(
                            "registry write to " + topic + " may or may not be visible: " + failure
                                    + "; its outcome could not be learnt within " + timeout + " (" + e + ")",
                            Outcome.UNKNOWN,
                            false,
                            failure);
                }
                LOG.warnf("Cannot learn the outcome of registry write %s yet: %s", writeId, e.toString());
                pause(attempt, deadline);
            }
        }
    }

    private boolean readBack(String writeId, RuntimeException failure) {
        try {
            boolean visible = reader.containsCommitted(WRITE_ID_HEADER, writeId, timeout);
            LOG.warnf(
                    "Registry write %s read back from %s: %s", writeId, topic, visible ? "committed" : "not committed");
            return visible;
        } catch (RuntimeException e) {
            throw new RegistryWriteException(
                    "registry write to " + topic + " may or may not be visible: " + failure
                            + "; reading the topic back failed: " + e,
                    Outcome.UNKNOWN,
                    fatalFailure != null,
                    failure);
        }
    }

    /** True when aborted, false when the producer must be replaced; throws a fatal failure as it is. */
    private boolean abort() {
        try {
            producer.abortTransaction();
            return true;
        } catch (RuntimeException e) {
            if (ProducerFailure.of(e) == ProducerFailure.FATAL) {
                throw e;
            }
            LOG.warnf("Cannot abort the registry transaction (%s); replacing the producer", e.toString());
            return false;
        }
    }

    private Producer<String, ModelRegistryEvent> producer(long deadline) {
        for (int attempt = 1; producer == null; attempt++) {
            try {
                producer = create();
            } catch (RuntimeException e) {
                if (ProducerFailure.of(e) == ProducerFailure.FATAL || System.nanoTime() > deadline || interrupted()) {
                    throw e;
                }
                LOG.warnf("Cannot start the registry producer %s yet: %s", transactionalId, e.toString());
                pause(attempt, deadline);
            }
        }
        return producer;
    }

    private Producer<String, ModelRegistryEvent> create() {
        var created = new KafkaProducer<>(config, new StringSerializer(), JsonSerde.of(ModelRegistryEvent.class));
        try {
            created.initTransactions();
            created.partitionsFor(topic); // a missing or forbidden topic shows now, and a send never waits for it
            return created;
        } catch (RuntimeException e) {
            created.close(Duration.ZERO);
            throw e;
        }
    }

    private void discardProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing a failed registry producer", e);
            }
            producer = null;
        }
    }

    private RegistryWriteException fatal(RuntimeException failure, Outcome outcome) {
        fatalFailure = failure;
        String message = fatalMessage(failure);
        LOG.error(message);
        return new RegistryWriteException(message, outcome, true, failure);
    }

    private String fatalMessage(RuntimeException failure) {
        return "the registry producer " + transactionalId + " can write no more: " + failure
                + ". If it was fenced, another trainer for the same model took over (run one trainer per model);"
                + " this one must stop";
    }

    private static boolean interrupted() {
        return Thread.currentThread().isInterrupted();
    }

    private static void pause(int attempt, long deadline) {
        long backoff = Math.min(MAX_BACKOFF_MS, 50L << Math.min(attempt, 6));
        long left = Math.max(0, (deadline - System.nanoTime()) / 1_000_000);
        try {
            Thread.sleep(Math.max(1, Math.min(backoff, left)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public synchronized void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
        if (producer != null) {
            producer.close(Duration.ofSeconds(5));
            producer = null;
        }
    }
}
