package dev.streamtune.kafka.process;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.TimeoutException;
import org.apache.kafka.common.errors.UnsupportedVersionException;

/**
 * A transactional producer on its own thread writing transactions of distinct keys, one after another, as an
 * exactly-once service would: a timed-out commit or abort is retried as the same call, an abortable failure aborts
 * the transaction (its keys are remembered as aborted), a fatal one ends the writer.
 */
final class TransactionalWriter implements AutoCloseable {

    private static final Duration MAX_BLOCK = Duration.ofSeconds(5);

    private final KafkaProducer<String, String> producer;
    private final String topic;
    private final int recordsPerTransaction;
    private final Thread thread;
    private final Set<String> committed = ConcurrentHashMap.newKeySet();
    private final Set<String> aborted = ConcurrentHashMap.newKeySet();
    private final AtomicInteger commits = new AtomicInteger();
    private final AtomicInteger timeouts = new AtomicInteger();
    private volatile boolean running = true;
    private volatile Throwable failure;

    TransactionalWriter(Map<String, Object> client, String transactionalId, String topic, int recordsPerTransaction) {
        this.producer = TestClients.transactionalProducer(client, transactionalId, MAX_BLOCK);
        this.topic = topic;
        this.recordsPerTransaction = recordsPerTransaction;
        this.producer.initTransactions();
        this.thread = new Thread(this::run, "transactional-writer-" + transactionalId);
        this.thread.start();
    }

    int commits() {
        return commits.get();
    }

    /** Commit and abort calls that timed out and were retried. */
    int timeouts() {
        return timeouts.get();
    }

    Set<String> committedKeys() {
        return committed;
    }

    Set<String> abortedKeys() {
        return aborted;
    }

    /** Finishes the transaction in progress and stops; throws what ended the writer early, if anything did. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join(Duration.ofSeconds(120).toMillis());
        producer.close(Duration.ofSeconds(5));
        if (thread.isAlive()) {
            throw new AssertionError("the writer did not finish its transaction within 120 s");
        }
        if (failure != null) {
            throw new AssertionError("the writer failed", failure);
        }
    }

    private void run() {
        try {
            for (int t = 0; running; t++) {
                writeOne(t);
            }
        } catch (RuntimeException | Error e) {
            failure = e;
        }
    }

    private void writeOne(int t) {
        List<String> keys = new ArrayList<>();
        for (int i = 0; i < recordsPerTransaction; i++) {
            keys.add("t" + t + "-" + i);
        }
        producer.beginTransaction();
        try {
            for (String key : keys) {
                producer.send(new ProducerRecord<>(topic, key, key));
            }
            retryingTimeouts(producer::commitTransaction);
            committed.addAll(keys);
            commits.incrementAndGet();
        } catch (ProducerFencedException
                | InvalidProducerEpochException
                | OutOfOrderSequenceException
                | AuthorizationException
                | UnsupportedVersionException e) {
            throw e;
        } catch (KafkaException e) {
            retryingTimeouts(producer::abortTransaction);
            aborted.addAll(keys);
        }
    }

    private void retryingTimeouts(Runnable call) {
        while (true) {
            try {
                call.run();
                return;
            } catch (TimeoutException e) {
                timeouts.incrementAndGet();
            }
        }
    }
}
