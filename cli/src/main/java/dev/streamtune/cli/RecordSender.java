package dev.streamtune.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;

/**
 * Sends already-serialized records to one topic (idempotent, acks=all) and waits for every acknowledgement: a command
 * reports success only for what the broker has.
 */
final class RecordSender implements AutoCloseable {

    private static final int MAX_IN_FLIGHT_FUTURES = 10_000;

    private final KafkaConnection kafka;
    private final String topic;
    private final KafkaProducer<byte[], byte[]> producer;
    private final List<Future<RecordMetadata>> pending = new ArrayList<>();
    private long sent;

    RecordSender(KafkaConnection kafka, String topic) {
        this.kafka = kafka;
        this.topic = topic;
        kafka.requireTopic(topic);
        this.producer = kafka.producer();
    }

    void send(byte[] key, byte[] value) {
        try {
            pending.add(producer.send(new ProducerRecord<>(topic, key, value)));
        } catch (KafkaException e) {
            throw kafka.translate(e, topic);
        }
        if (pending.size() >= MAX_IN_FLIGHT_FUTURES) {
            awaitPending();
        }
    }

    /** Waits for every record sent so far; returns how many the broker acknowledged in all. */
    long flush() {
        producer.flush();
        awaitPending();
        return sent;
    }

    private void awaitPending() {
        for (Future<RecordMetadata> f : pending) {
            try {
                f.get();
                sent++;
            } catch (ExecutionException e) {
                throw kafka.translate(e.getCause(), topic);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new CliException(ExitCodes.FAILED, "interrupted after " + sent + " records");
            }
        }
        pending.clear();
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }
}
