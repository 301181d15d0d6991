package dev.streamtune.inference.stream;

import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.ReviewItem;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.SourceRef;
import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.common.validation.RejectReason;
import dev.streamtune.common.validation.Rejection;
import dev.streamtune.common.validation.Validated;
import dev.streamtune.inference.engine.BatchingEngine;
import dev.streamtune.inference.engine.Classification;
import dev.streamtune.inference.engine.ClassifyOutcome;
import dev.streamtune.inference.engine.EngineResult;
import dev.streamtune.inference.engine.InferenceException;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.ModelHolder;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.ProducerFencedException;
import org.apache.kafka.common.errors.UnsupportedVersionException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;

/**
 * Consume → classify → produce, exactly once. One thread polls the texts topic into batches, validates every record
 * (invalid ones become dead letters), has the engine classify the rest, and produces predictions (and review items
 * under the confidence threshold) in one Kafka transaction together with the consumed offsets. Any failure aborts
 * the transaction and rewinds to the committed offsets; a fenced producer is replaced. Predictions go to the
 * partition their input came from, in input order.
 *
 * <p>Pipelined one batch deep: while the engine classifies batch N, this thread polls batch N+1, and it commits N
 * while the engine classifies N+1, so Kafka round trips overlap inference. Batch N+1 is only submitted, never
 * produced, before N commits; when N fails, N+1's result is discarded and both are polled again.
 */
public final class ClassifyLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ClassifyLoop.class);
    static final String COMPONENT = "inference/stream";
    private static final int MAX_ATTEMPTS = 3;
    private static final long IN_FLIGHT_POLL_MS = 5;

    /**
     * @param transactionalId stable per instance, so a restarted instance fences its predecessor's open transaction
     * @param maxRecords most records per transaction; the engine splits them into ONNX Runtime batches, so this only
     *     sets how often a transaction's fixed cost is paid
     * @param reviewThreshold predictions less confident than this also go to the review topic
     * @param batchTimeout longest wait for the engine before the batch is aborted and retried
     */
    public record Settings(
            String textsTopic,
            String predictionsTopic,
            String reviewTopic,
            String dlqTopic,
            String groupId,
            String transactionalId,
            int maxRecords,
            Duration maxWait,
            Duration pollTimeout,
            double reviewThreshold,
            Duration transactionTimeout,
            Duration batchTimeout) {}

    private final Settings settings;
    private final Map<String, Object> kafkaConfig;
    private final KafkaClientFactory clients;
    private final BatchingEngine engine;
    private final ModelHolder holder;
    private final InputValidator validator;
    private final InferenceMetrics metrics;
    private final JsonSerde<Prediction> predictionSerde = JsonSerde.of(Prediction.class);
    private final JsonSerde<ReviewItem> reviewSerde = JsonSerde.of(ReviewItem.class);
    private final List<ConsumerRecord<byte[], byte[]>> buffer = new ArrayList<>();
    private final Thread thread;

    /** A polled batch whose classification is under way in the engine. */
    private record InFlight(
            List<ConsumerRecord<byte[], byte[]>> records,
            List<Validated<TextInput>> parsed,
            CompletableFuture<EngineResult> result) {}

    private InFlight pending;
    private Consumer<byte[], byte[]> consumer;
    private Producer<byte[], byte[]> producer;
    private int outputPartitions;
    private int attempts;
    private Map<TopicPartition, Long> failedBatch = Map.of();
    private volatile boolean running = true;
    private volatile boolean polling;
    private volatile Throwable failure;

    /** @param kafkaConfig connection settings (bootstrap servers, security) shared by both clients */
    public ClassifyLoop(
            Settings settings,
            Map<String, Object> kafkaConfig,
            KafkaClientFactory clients,
            BatchingEngine engine,
            ModelHolder holder,
            InputValidator validator,
            InferenceMetrics metrics) {
        this.settings = settings;
        this.kafkaConfig = Map.copyOf(kafkaConfig);
        this.clients = clients;
        this.engine = engine;
        this.holder = holder;
        this.validator = validator;
        this.metrics = metrics;
        this.thread = new Thread(this::run, "streamtune-classify-loop");
    }

    public ClassifyLoop start() {
        thread.start();
        return this;
    }

    /** Consuming: a model is loaded and the loop has subscribed. */
    public boolean isPolling() {
        return polling && thread.isAlive();
    }

    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Why the loop died, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    private void run() {
        try {
            while (running && !holder.awaitLoaded(Duration.ofSeconds(1))) {
                LOG.debug("waiting for a model before consuming");
            }
            if (!running) {
                return;
            }
            consumer = clients.consumer(consumerConfig());
            producer = newProducer();
            consumer.subscribe(List.of(settings.textsTopic()), new Rebalance());
            polling = true;
            LOG.infof("consuming %s as %s", settings.textsTopic(), settings.transactionalId());
            try {
                while (running) {
                    List<ConsumerRecord<byte[], byte[]>> batch = pollBatch();
                    InFlight next = batch.isEmpty() ? null : submit(batch);
                    if (pending != null) {
                        InFlight done = pending;
                        pending = null;
                        if (!completeWithRecovery(done)) {
                            next = null; // rewound: its records come again; its result is dropped
                        }
                    }
                    pending = next;
                }
            } catch (WakeupException e) {
                if (running) {
                    throw e;
                }
            }
            if (pending != null) {
                completeWithRecovery(pending); // a clean stop commits what is classified
                pending = null;
            }
        } catch (WakeupException e) {
            failure = e;
            LOG.error("classify loop woken up unexpectedly", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            failure = t;
            LOG.error("classify loop died", t);
        } finally {
            polling = false;
            closeClients();
        }
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxRecords());
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, settings.transactionalId() + "-consumer");
        return config;
    }

    private Producer<byte[], byte[]> newProducer() {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, settings.transactionalId());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int)
                settings.transactionTimeout().toMillis());
        config.putIfAbsent(ProducerConfig.LINGER_MS_CONFIG, 5);
        config.putIfAbsent(ProducerConfig.CLIENT_ID_CONFIG, settings.transactionalId() + "-producer");
        Producer<byte[], byte[]> created = clients.producer(config);
        try {
            created.initTransactions(); // fences any earlier producer with this id and aborts its open transaction
            outputPartitions =
                    created.partitionsFor(settings.predictionsTopic()).size();
            return created;
        } catch (RuntimeException e) {
            created.close(Duration.ZERO);
            throw e;
        }
    }

    /**
     * The next batch. With nothing in flight: waits up to the poll timeout for a first record, then up to the maximum
     * wait for more. With a batch in flight: gathers what arrives until that batch's inference is done (the wait is
     * free) or the batch is full.
     */
    private List<ConsumerRecord<byte[], byte[]>> pollBatch() {
        buffer.clear();
        long deadline = 0;
        while (running) {
            boolean inFlight = pending != null && !pending.result().isDone();
            long timeout;
            if (inFlight) {
                timeout = IN_FLIGHT_POLL_MS;
            } else if (pending != null) {
                timeout = 0;
            } else if (buffer.isEmpty()) {
                timeout = settings.pollTimeout().toMillis();
            } else {
                timeout = Math.max(0, deadline - System.currentTimeMillis());
            }
            consumer.poll(Duration.ofMillis(timeout)).forEach(buffer::add);
            if (buffer.size() >= settings.maxRecords()) {
                break;
            }
            if (pending != null) {
                if (pending.result().isDone()) {
                    break;
                }
                continue;
            }
            if (buffer.isEmpty()) {
                break;
            }
            if (deadline == 0) {
                deadline = System.currentTimeMillis() + settings.maxWait().toMillis();
            }
            if (System.currentTimeMillis() >= deadline) {
                break;
            }
        }
        return new ArrayList<>(buffer);
    }

    /** Validates the batch and hands its valid texts to the engine; returns at once. */
    private InFlight submit(List<ConsumerRecord<byte[], byte[]>> batch) {
        List<Validated<TextInput>> parsed = new ArrayList<>(batch.size());
        List<String> texts = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            Validated<TextInput> input = validator.parseText(record.key(), record.value());
            parsed.add(input);
            if (input instanceof Validated.Valid<TextInput> valid) {
                texts.add(valid.value().text());
            }
        }
        CompletableFuture<EngineResult> result =
                texts.isEmpty() ? CompletableFuture.completedFuture(null) : engine.submit(texts, false);
        return new InFlight(batch, parsed, result);
    }

    /**
     * Produces and commits a classified batch; on failure aborts, rewinds and returns false (after repeated inference
     * failures on the same records it dead-letters them instead, so the partition moves on).
     */
    private boolean completeWithRecovery(InFlight batch) {
        try {
            commit(batch.records(), batch.parsed(), awaitResult(batch), null);
            attempts = 0;
            failedBatch = Map.of();
            return true;
        } catch (ProducerFencedException
                | OutOfOrderSequenceException
                | AuthorizationException
                | UnsupportedVersionException e) {
            LOG.errorf("producer %s cannot continue (%s); replacing it and rewinding", settings.transactionalId(), e);
            metrics.transaction(false);
            recover(true);
            return false;
        } catch (WakeupException e) {
            throw e;
        } catch (Exception e) {
            Map<TopicPartition, Long> position = firstOffsets(batch.records());
            attempts = position.equals(failedBatch) ? attempts + 1 : 1;
            failedBatch = position;
            LOG.warnf(
                    e,
                    "batch of %d records from %s failed (attempt %d); aborting and rewinding",
                    batch.records().size(),
                    position,
                    attempts);
            metrics.transaction(false);
            recover(false);
            if (attempts >= MAX_ATTEMPTS && isInferenceFailure(e)) {
                deadLetterAll(batch.records(), e);
            } else {
                sleep(Math.min(5_000, 100L << Math.min(attempts, 6)));
            }
            return false;
        }
    }

    private EngineResult awaitResult(InFlight batch) throws InferenceException, InterruptedException, TimeoutException {
        try {
            return batch.result().get(settings.batchTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InferenceException inference) {
                throw inference;
            }
            throw InferenceException.failed("the engine failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Produces a batch's outputs and commits them with its offsets in one transaction; {@code forcedFailure}
     * dead-letters every record instead.
     */
    private void commit(
            List<ConsumerRecord<byte[], byte[]>> batch,
            List<Validated<TextInput>> parsed,
            EngineResult result,
            Rejection forcedFailure) {
        if (forcedFailure != null) {
            parsed = batch.stream()
                    .<Validated<TextInput>>map(r -> new Validated.Invalid<>(forcedFailure))
                    .toList();
        }
        long began = System.nanoTime();
        producer.beginTransaction();
        int next = 0;
        int predicted = 0;
        int reviewed = 0;
        int dead = 0;
        long[] latencies = new long[batch.size()];
        Map<TopicPartition, OffsetAndMetadata> offsets = new LinkedHashMap<>();
        for (int i = 0; i < batch.size(); i++) {
            ConsumerRecord<byte[], byte[]> record = batch.get(i);
            offsets.put(
                    new TopicPartition(record.topic(), record.partition()),
                    new OffsetAndMetadata(record.offset() + 1, record.leaderEpoch(), ""));
            latencies[i] = -1;
            if (parsed.get(i) instanceof Validated.Invalid<TextInput> invalid) {
                producer.send(DeadLetters.toRecord(settings.dlqTopic(), record, invalid.rejection(), COMPONENT));
                dead++;
                continue;
            }
            TextInput input = ((Validated.Valid<TextInput>) parsed.get(i)).value();
            ClassifyOutcome outcome = result.outcomes().get(next++);
            if (outcome instanceof ClassifyOutcome.Failure failed) {
                Rejection rejection = new Rejection(RejectReason.PROCESSING_FAILED, failed.reason());
                producer.send(DeadLetters.toRecord(settings.dlqTopic(), record, rejection, COMPONENT));
                dead++;
                continue;
            }
            Classification c = ((ClassifyOutcome.Success) outcome).classification();
            Instant now = Instant.now();
            long latency = now.toEpochMilli() - record.timestamp();
            latencies[i] = latency;
            Prediction prediction = new Prediction(
                    SchemaVersions.CURRENT,
                    input.id(),
                    c.label(),
                    c.confidence(),
                    c.scores(result.labels()),
                    result.model(),
                    result.version(),
                    latency,
                    now,
                    new SourceRef(record.topic(), record.partition(), record.offset()));
            RecordHeaders headers = new RecordHeaders();
            PredictionHeaders.write(headers, c.tokens(), c.keptTokens(), c.unknownTokens());
            producer.send(new ProducerRecord<>(
                    settings.predictionsTopic(),
                    outputPartition(record.partition()),
                    record.key(),
                    predictionSerde.serialize(settings.predictionsTopic(), prediction),
                    headers));
            predicted++;
            if (c.confidence() < settings.reviewThreshold()) {
                ReviewItem item = new ReviewItem(
                        SchemaVersions.CURRENT,
                        prediction,
                        input.text(),
                        input.attributes(),
                        settings.reviewThreshold());
                producer.send(new ProducerRecord<>(
                        settings.reviewTopic(),
                        outputPartition(record.partition()),
                        record.key(),
                        reviewSerde.serialize(settings.reviewTopic(), item)));
                reviewed++;
            }
        }
        producer.sendOffsetsToTransaction(offsets, consumer.groupMetadata());
        producer.commitTransaction();

        metrics.commit(System.nanoTime() - began);
        metrics.transaction(true);
        metrics.predicted(predicted);
        metrics.reviewed(reviewed);
        metrics.deadLettered(dead);
        for (long latency : latencies) {
            if (latency >= 0) {
                metrics.latency(latency);
            }
        }
    }

    private Integer outputPartition(int inputPartition) {
        return inputPartition < outputPartitions ? inputPartition : null;
    }

    private static boolean isInferenceFailure(Exception e) {
        return e instanceof InferenceException inference && !inference.isNoModel();
    }

    /** After repeated inference failures on the same records: dead-letter them so the partition moves on. */
    private void deadLetterAll(List<ConsumerRecord<byte[], byte[]>> batch, Exception cause) {
        LOG.errorf(
                "dead-lettering %d records after %d failed attempts: %s", batch.size(), attempts, cause.getMessage());
        try {
            commit(
                    batch,
                    null,
                    null,
                    new Rejection(
                            RejectReason.PROCESSING_FAILED,
                            "inference failed " + attempts + " times: " + cause.getMessage()));
            attempts = 0;
            failedBatch = Map.of();
            rewind(); // to just after the dead-lettered records
        } catch (Exception e) {
            LOG.errorf(e, "cannot dead-letter the failing batch; will retry it");
            metrics.transaction(false);
            recover(false);
        }
    }

    /**
     * Aborts the open transaction (or replaces the producer when it cannot, or when {@code replace}) and rewinds the
     * consumer to the committed offsets; retries until it works or the loop stops, so a broker outage is waited out.
     */
    private void recover(boolean replace) {
        while (running) {
            try {
                if (replace) {
                    replaceProducer();
                } else {
                    try {
                        producer.abortTransaction();
                    } catch (IllegalStateException e) {
                        // no transaction was open: the failure came before beginTransaction
                    } catch (KafkaException e) {
                        LOG.warnf("abort failed (%s); replacing the producer", e.toString());
                        replace = true;
                        continue;
                    }
                }
                rewind();
                return;
            } catch (WakeupException e) {
                throw e;
            } catch (KafkaException e) {
                LOG.warnf("recovery failed (%s); retrying in 1 s", e.toString());
                replace = true;
                sleep(1_000);
            }
        }
    }

    private void replaceProducer() {
        if (producer != null) {
            try {
                producer.close(Duration.ZERO);
            } catch (RuntimeException e) {
                LOG.debug("closing the failed producer", e);
            }
            producer = null;
        }
        producer = newProducer();
    }

    /** Seeks every assigned partition back to its committed offset (its start when nothing was committed). */
    private void rewind() {
        var assigned = consumer.assignment();
        if (assigned.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = consumer.committed(assigned);
        List<TopicPartition> uncommitted = new ArrayList<>();
        for (TopicPartition tp : assigned) {
            OffsetAndMetadata offset = committed.get(tp);
            if (offset == null) {
                uncommitted.add(tp);
            } else {
                consumer.seek(tp, offset);
            }
        }
        if (!uncommitted.isEmpty()) {
            if ("latest".equals(String.valueOf(kafkaConfig.get(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG)))) {
                consumer.seekToEnd(uncommitted);
            } else {
                consumer.seekToBeginning(uncommitted);
            }
        }
    }

    private static Map<TopicPartition, Long> firstOffsets(List<ConsumerRecord<byte[], byte[]>> batch) {
        Map<TopicPartition, Long> first = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : batch) {
            first.putIfAbsent(new TopicPartition(r.topic(), r.partition()), r.offset());
        }
        return first;
    }

    private void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    private void closeClients() {
        if (producer != null) {
            try {
                producer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("closing the producer", e);
            }
        }
        if (consumer != null) {
            try {
                consumer.close(Duration.ofSeconds(5));
            } catch (RuntimeException e) {
                LOG.warn("closing the consumer", e);
            }
        }
    }

    /** Drops buffered records of partitions taken away mid-batch: their new owner will process them. */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (pending != null && !partitions.isEmpty()) {
                // commit while this member still owns the partitions; on failure the next owner redoes them
                InFlight done = pending;
                pending = null;
                completeWithRecovery(done);
            }
            buffer.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            LOG.infof("assigned %s", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // the group moved on without us: nothing can be committed for these any more
            pending = null;
            buffer.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
        }
    }

    @Override
    public void close() {
        running = false;
        if (consumer != null && thread.isAlive()) {
            consumer.wakeup();
        }
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
