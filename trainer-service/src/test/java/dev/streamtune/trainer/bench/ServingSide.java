package dev.streamtune.trainer.bench;

import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.SwapEvent;
import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.topic.StreamtuneTopics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * The serving half of a freshness benchmark: the packaged inference service as a child JVM on the benchmark's broker
 * and model store, a paced stream of texts into it, and what it reports back (swap events on the monitoring topic,
 * predictions with their versions), each with the time it was written.
 */
final class ServingSide implements AutoCloseable {

    /** A prediction and when the inference service wrote it (the record's timestamp). */
    record Written(Prediction prediction, Instant at) {}

    private static final JsonSerde<Prediction> PREDICTIONS = JsonSerde.of(Prediction.class);

    private final Process process;
    private final Path log;
    private final Map<String, Object> client;
    private final List<SwapEvent> swaps = new CopyOnWriteArrayList<>();
    private final List<Written> predictions = new CopyOnWriteArrayList<>();
    private final Thread watcher;
    private Thread feeder;
    private volatile boolean running = true;

    private ServingSide(Process process, Path log, Map<String, Object> client) {
        this.process = process;
        this.log = log;
        this.client = client;
        this.watcher = new Thread(this::watch, "bench-serving-watcher");
        this.watcher.setDaemon(true);
        this.watcher.start();
    }

    /**
     * Starts {@code jar} (the inference service's {@code quarkus-run.jar}) on the broker of {@code client}, reading
     * sealed models from {@code storeRoot} signed with {@code secret}; its log goes to {@code dir}/inference.log.
     */
    static ServingSide start(Path jar, Map<String, Object> client, Path storeRoot, String secret, Path dir)
            throws IOException {
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException("no inference service at " + jar + ": package it first (./mvnw -B -q -pl"
                    + " inference-service -am package -DskipTests), or set -Dstreamtune.bench.inference-jar");
        }
        Files.createDirectories(dir);
        Path log = dir.resolve("inference.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx2g",
                "-Dkafka.bootstrap.servers=" + client.get("bootstrap.servers"),
                "-Dquarkus.http.port=0",
                "-Dquarkus.management.port=0",
                "-Dstreamtune.security.enabled=false",
                "-Dstreamtune.instance=bench-inference",
                "-Dstreamtune.store.filesystem.root=" + storeRoot.toAbsolutePath(),
                "-Dstreamtune.model.cache-dir=" + dir.resolve("cache").toAbsolutePath(),
                "-jar",
                jar.toAbsolutePath().toString()));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.to(log.toFile()));
        builder.environment().put("STREAMTUNE_SIGNING_SECRET", secret);
        return new ServingSide(builder.start(), log, client);
    }

    /** The swap event that put {@code version} in service, waiting up to {@code timeout}. */
    SwapEvent awaitSwap(long version, Duration timeout) throws InterruptedException {
        return await(
                () -> swaps.stream().filter(s -> s.toVersion() == version).findFirst(), timeout, "swap to v" + version);
    }

    /** The first prediction written that matches {@code which}, waiting up to {@code timeout}. */
    Written awaitPrediction(Predicate<Prediction> which, Duration timeout, String what) throws InterruptedException {
        return await(
                () -> predictions.stream()
                        .filter(w -> which.test(w.prediction()))
                        .findFirst(),
                timeout,
                what);
    }

    /** Sends {@code texts} round and round, {@code perSecond} a second, keyed {@code probe-<n>}, until closed. */
    void feed(List<String> texts, double perSecond) {
        feeder = new Thread(
                () -> {
                    try (var producer =
                            new KafkaProducer<>(client, new ByteArraySerializer(), new ByteArraySerializer())) {
                        long periodNanos = (long) (1e9 / perSecond);
                        long next = System.nanoTime();
                        for (int n = 0; running; n++) {
                            producer.send(new ProducerRecord<>(
                                    StreamtuneTopics.TEXTS_NAME,
                                    ("probe-" + n).getBytes(StandardCharsets.UTF_8),
                                    Json.write(TextInput.of(texts.get(n % texts.size())))));
                            next += periodNanos;
                            long wait = next - System.nanoTime();
                            if (wait > 0) {
                                TimeUnit.NANOSECONDS.sleep(wait);
                            }
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                },
                "bench-text-feeder");
        feeder.setDaemon(true);
        feeder.start();
    }

    private <T> T await(java.util.function.Supplier<Optional<T>> what, Duration timeout, String name)
            throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            Optional<T> found = what.get();
            if (found.isPresent()) {
                return found.get();
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "the inference service exited (" + process.exitValue() + ") before " + name + "; see " + log);
            }
            Thread.sleep(20);
        }
        throw new IllegalStateException("no " + name + " within " + timeout + "; see " + log);
    }

    /** Reads the monitoring and predictions topics (committed records only) from their start. */
    private void watch() {
        Map<String, Object> config = new HashMap<>(client);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-serving-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(StreamtuneTopics.MONITORING_NAME, StreamtuneTopics.PREDICTIONS_NAME));
            while (running) {
                for (var r : consumer.poll(Duration.ofMillis(50))) {
                    if (r.value() == null) {
                        continue;
                    }
                    if (r.topic().equals(StreamtuneTopics.PREDICTIONS_NAME)) {
                        predictions.add(new Written(
                                PREDICTIONS.deserialize(r.topic(), r.value()), Instant.ofEpochMilli(r.timestamp())));
                        continue;
                    }
                    MonitoringEvent event;
                    try {
                        event = StreamtuneTopics.MONITORING
                                .valueSerde()
                                .deserializer()
                                .deserialize(r.topic(), r.value());
                    } catch (RuntimeException e) {
                        continue; // an event of a kind this benchmark does not read
                    }
                    if (event instanceof SwapEvent swap) {
                        swaps.add(swap);
                    }
                }
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        if (feeder != null) {
            feeder.join(5_000);
        }
        watcher.join(5_000);
        process.destroy();
        if (!process.waitFor(20, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
    }
}
