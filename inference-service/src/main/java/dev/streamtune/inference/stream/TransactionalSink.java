package dev.streamtune.inference.stream;

import dev.streamtune.common.kafka.ProducerFailure;
import dev.streamtune.common.kafka.TransactionOwnership;
import dev.streamtune.inference.metrics.InferenceMetrics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerGroupMetadata;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.jboss.logging.Logger;

/**
 * Owns the classify loop's transactional producer and its recovery: writes a list of records and commits them with
 * the consumer's offsets in one transaction. Every failure is handled here, once, by its {@link ProducerFailure}
 * class: a commit that timed out is retried as the same commit until it completes or fails otherwise; an abortable
 * failure aborts; a producer in a fatal or unknown state (an abort that fails included) is replaced by a new one with
 * the same transactional id, unless the transaction ended because another producer took that id (then a new producer
 * would fence it back); fencing and authorization failures stop the loop with {@link SinkFatalException}.
 * After anything but success the open transaction is gone and the caller rewinds its input.
 */
final class TransactionalSink implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TransactionalSink.class);
    private static final long MAX_BACKOFF_MS = 5_000;
    /**
     * Longer than a second producer takes between its fencing bump and its own: a retried request, after 100 ms
     * doubling to the client's 1 s maximum back-off.
     */
    private static final Duration OWNERSHIP_SETTLE = Duration.ofSeconds(3);

    private final KafkaClientFactory clients;
    private final Map<String, Object> config;
    private final Map<String, Object> connection;
    private final String transactionalId;
    private final BooleanSupplier running;
    private final InferenceMetrics metrics;
    private Producer<byte[], byte[]> producer;
    private Admin admin;

    /**
     * @param kafkaConfig connection settings (bootstrap servers, security)
     * @param running false once the loop is stopping: retries give up then
     */
    TransactionalSink(
            KafkaClientFactory clients,
            Map<String, Object> kafkaConfig,
            String transactionalId,
            Duration transactionTimeout,
            BooleanSupplier running,
            InferenceMetrics metrics) {
        this.clients = clients;
        this.transactionalId = transactionalId;
        this.running = running;
        this.metrics = metrics;
        this.connection = Map.copyOf(kafkaConfig);
        Map<String, Object> c = new HashMap<>(kafkaConfig);
        c.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) transactionTimeout.toMillis());
        c.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        // a blocked call (a commit during a coordinator move) returns within this and is retried, so a stopping
        // loop is not held for the default minute
        c.putIfAbsent(ProducerConfig.MAX_BLOCK_MS_CONFIG, 15_000);
        c.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, transactionalId + "-producer");
        this.config = Map.copyOf(c);
    }

    /**
     * Creates the producer: fences any earlier producer with this transactional id and aborts its transaction. Asked
     * again while the broker does not answer (a start during an outage): a timeout here ended the loop, and the
     * liveness check restarted the pod for as long as the broker stayed away.
     *
     * @throws SinkFatalException refused for good (fenced, not authorized), or the loop stopped meanwhile
     */
    void open() {
        start("open");
    }

    /**
     * Partitions of {@code topic}, as the producer sees them; asked again while the metadata does not come within
     * {@code max.block.ms} (the broker out of reach when the loop starts serving).
     */
    int partitions(String topic) {
        for (int attempt = 1; ; attempt++) {
            try {
                return producer.partitionsFor(topic).size();
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (!running.getAsBoolean()) {
                    throw new SinkFatalException("stopped while reading the partitions of " + topic, e);
                }
                LOG.warnf("cannot read the partitions of %s yet (%s); asking again", topic, e.toString());
                pause(attempt);
            }
        }
    }

    /**
     * Writes {@code records} and commits them with {@code offsets} in one transaction.
     *
     * @throws TransactionAbortedException nothing was committed; the sink is ready for the next transaction
     * @throws SinkFatalException this instance must stop
     */
    void commit(
            List<ProducerRecord<byte[], byte[]>> records,
            Map<TopicPartition, OffsetAndMetadata> offsets,
            ConsumerGroupMetadata group)
            throws TransactionAbortedException {
        long began = System.nanoTime();
        try {
            producer.beginTransaction();
            for (ProducerRecord<byte[], byte[]> record : records) {
                producer.send(record); // a failed send makes the commit below throw
            }
            producer.sendOffsetsToTransaction(offsets, group);
            commitRetrying();
        } catch (RuntimeException e) {
            metrics.transaction(false);
            throw recover(e);
        }
        metrics.commit(System.nanoTime() - began);
        metrics.transaction(true);
    }

    /** A commit that timed out must be retried as the same call: the producer refuses anything else until then. */
    private void commitRetrying() {
        for (int attempt = 1; ; attempt++) {
            try {
                producer.commitTransaction();
                return;
            } catch (RuntimeException e) {
                if (ProducerFailure.of(e) != ProducerFailure.RETRIABLE || !running.getAsBoolean()) {
                    throw e;
                }
                metrics.producerRecovery("commit-retry");
                LOG.warnf("commit of %s did not complete (%s); retrying the same commit", transactionalId, e);
                pause(attempt);
            }
        }
    }

    /** Leaves no transaction open: aborts, or replaces the producer; the exception to throw to the caller. */
    private TransactionAbortedException recover(RuntimeException failure) {
        ProducerFailure kind = ProducerFailure.of(failure);
        if (kind == ProducerFailure.FATAL) {
            closeQuietly();
            throw new SinkFatalException(fatalMessage(failure), failure);
        }
        if (kind == ProducerFailure.REPLACE_PRODUCER) {
            LOG.warnf("producer %s is unusable (%s); replacing it", transactionalId, failure.toString());
            replaceUnlessTakenOver(failure);
        } else {
            abortOrReplace(failure);
        }
        return new TransactionAbortedException(failure, ProducerFailure.causedByRecord(failure));
    }

    private void abortOrReplace(RuntimeException failure) {
        try {
            producer.abortTransaction();
            metrics.producerRecovery("abort");
            LOG.warnf("transaction of %s aborted: %s", transactionalId, failure.toString());
        } catch (RuntimeException abortFailed) {
            if (ProducerFailure.of(abortFailed) == ProducerFailure.FATAL) {
                closeQuietly();
                throw new SinkFatalException(fatalMessage(abortFailed), abortFailed);
            }
            LOG.warnf(
                    "cannot abort the transaction of %s (%s) after %s; replacing the producer",
                    transactionalId, abortFailed.toString(), failure.toString());
            replaceUnlessTakenOver(abortFailed);
        }
    }

    /**
     * Replaces the producer, unless the failure says the transaction ended under it and the coordinator says another
     * producer took the transactional id: a new producer would fence that one, which would fence back in turn.
     */
    private void replaceUnlessTakenOver(RuntimeException failure) {
        boolean takenOver;
        try {
            takenOver = TransactionOwnership.takenOver(this::admin, transactionalId, OWNERSHIP_SETTLE, failure);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkFatalException("interrupted while asking who owns " + transactionalId, e);
        }
        if (takenOver) {
            closeQuietly();
            throw new SinkFatalException(fatalMessage(failure), failure);
        }
        replace();
    }

    /** The admin client that asks the transaction coordinator, made on first use. */
    private Admin admin() {
        if (admin == null) {
            admin = clients.admin(connection);
        }
        return admin;
    }

    /** A new producer with the same transactional id; retried until it starts, fails fatally, or the loop stops. */
    private void replace() {
        closeQuietly();
        metrics.producerRecovery("replace");
        start("replacing");
    }

    /** Starts a producer, asking again until it starts, fails fatally, or the loop stops ({@code what}: for the log). */
    private void start(String what) {
        for (int attempt = 1; running.getAsBoolean(); attempt++) {
            try {
                producer = create();
                return;
            } catch (SinkFatalException e) {
                throw e;
            } catch (RuntimeException e) {
                LOG.warnf("cannot start a producer for %s yet (%s)", transactionalId, e.toString());
                pause(attempt);
            }
        }
        throw new SinkFatalException("stopped while " + what + " producer " + transactionalId, null);
    }

    private Producer<byte[], byte[]> create() {
        Producer<byte[], byte[]> created = clients.producer(config);
        try {
            created.initTransactions();
            return created;
        } catch (RuntimeException e) {
            created.close(Duration.ZERO);
            if (ProducerFailure.of(e) == ProducerFailure.FATAL) {
                throw new SinkFatalException(fatalMessage(e), e);
            }
            throw e;
        }
    }

    private String fatalMessage(Throwable failure) {
        return "producer " + transactionalId + " cannot go on: " + failure
                + ". If it was fenced, another instance uses the same transactional id: give every replica its own"
                + " streamtune.instance (the pod name in a StatefulSet). Stopping.";
    }

    private void pause(int attempt) {
        try {
            Thread.sleep(Math.min(MAX_BACKOFF_MS, 100L << Math.min(attempt, 6)));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new SinkFatalException("interrupted while recovering producer " + transactionalId, e);
        }
    }

    private void closeQuietly() {
        if (producer == null) {
            return;
        }
        try {
            producer.close(Duration.ZERO);
        } catch (RuntimeException e) {
            LOG.debug("closing a failed producer", e);
        }
        producer = null;
    }

    @Override
    public void close() {
        if (admin != null) {
            admin.close(Duration.ofSeconds(1));
            admin = null;
        }
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("closing the producer", e);
            }
            producer = null;
        }
    }
}
