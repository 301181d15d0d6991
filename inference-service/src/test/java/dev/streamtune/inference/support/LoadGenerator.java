package dev.streamtune.inference.support;

import dev.streamtune.common.topic.StreamtuneTopics;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Produces texts with ids (and keys) {@code id-<n>} at a steady rate until stopped. */
public final class LoadGenerator implements AutoCloseable {

    private final KafkaProducer<byte[], byte[]> producer;
    private final String topic;
    private final long intervalNanos;
    private final int limit;
    private final AtomicInteger sent = new AtomicInteger();
    private final java.util.Set<String> failed = java.util.concurrent.ConcurrentHashMap.newKeySet();
    private final Thread thread;
    private volatile boolean running = true;

    public LoadGenerator(Map<String, Object> client, double recordsPerSecond) {
        this(client, StreamtuneTopics.TEXTS_NAME, recordsPerSecond);
    }

    public LoadGenerator(Map<String, Object> client, String topic, double recordsPerSecond) {
        this(client, topic, recordsPerSecond, Integer.MAX_VALUE);
    }

    /** Stops by itself after {@code limit} records. */
    public LoadGenerator(Map<String, Object> client, String topic, double recordsPerSecond, int limit) {
        this.producer = KafkaTestSupport.producer(client);
        this.topic = topic;
        this.limit = limit;
        this.intervalNanos = (long) (1e9 / recordsPerSecond);
        this.thread = new Thread(this::run, "load-generator");
    }

    public LoadGenerator start() {
        thread.start();
        return this;
    }

    public int sent() {
        return sent.get();
    }

    /** Ids whose send failed (the broker never took them): no output is owed for these. */
    public java.util.Set<String> failed() {
        return java.util.Set.copyOf(failed);
    }

    /** Text {@code n}: a few words, some longer, so batches mix lengths. */
    public static String text(int n) {
        return "message " + n + " " + "the quick brown fox jumps over the lazy dog ".repeat(n % 7);
    }

    private void run() {
        long next = System.nanoTime();
        while (running && sent.get() < limit) {
            int n = sent.get();
            String json = "{\"id\":\"id-" + n + "\",\"text\":\"" + text(n) + "\"}";
            String id = "id-" + n;
            producer.send(
                    new ProducerRecord<>(
                            topic, id.getBytes(StandardCharsets.UTF_8), json.getBytes(StandardCharsets.UTF_8)),
                    (metadata, e) -> {
                        if (e != null) {
                            failed.add(id);
                        }
                    });
            sent.incrementAndGet();
            next += intervalNanos;
            LockSupport.parkNanos(Math.max(0, next - System.nanoTime()));
        }
        producer.flush();
    }

    /** Waits until the limit has been sent and handed to the broker. */
    public void awaitDone() throws InterruptedException {
        thread.join();
    }

    /** Stops after the record in flight; every counted record has been handed to the broker when this returns. */
    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.join();
        producer.close();
    }
}
