package dev.streamtune.inference.stream;

import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.common.validation.RejectReason;
import dev.streamtune.common.validation.Rejection;
import dev.streamtune.common.validation.Validated;
import dev.streamtune.inference.engine.BatchingEngine;
import dev.streamtune.inference.engine.EngineResult;
import dev.streamtune.inference.engine.InferenceException;
import dev.streamtune.inference.metrics.InferenceMetrics;
import dev.streamtune.inference.model.ModelHolder;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.common.errors.WakeupException;
import org.jboss.logging.Logger;

/**
 * Consume → classify → produce, exactly once. One thread polls the texts topic into batches, validates every record
 * (invalid ones become dead letters), has the engine classify the rest, and has the {@link TransactionalSink} write the
 * {@link OutputMapper}'s records together with the consumed offsets in one Kafka transaction. What to do after a
 * failure is the {@link PoisonBatchPolicy}'s call; this class only polls, pipelines and rewinds.
 *
 * <p>Pipelined one batch deep: while the engine classifies batch N, this thread polls batch N+1, and it commits N
 * while the engine classifies N+1, so Kafka round trips overlap inference. Batch N+1 is only submitted, never
 * produced, before N commits; when N fails and the consumer is rewound, N+1's result is dropped and both are polled
 * again.
 *
 * <p>With a group instance id the consumer is a static member: a restarted instance takes its partitions back at
 * once instead of waiting for its predecessor's session to expire.
 */
public final class ClassifyLoop implements AutoCloseable {

    private static final Logger LOG = Logger.getLogger(ClassifyLoop.class);
    static final String COMPONENT = OutputMapper.COMPONENT;
    private static final long IN_FLIGHT_POLL_MS = 5;
    /** Whole-batch inference attempts before its texts are classified one at a time. */
    private static final int INFERENCE_ATTEMPTS = 2;

    private static final long REWIND_BACKOFF_MS = 200;
    private static final long MAX_REWIND_BACKOFF_MS = 5_000;

    public record Topics(String texts, String predictions, String review, String dlq) {}

    /**
     * @param transactionalId stable per instance, so a restarted instance fences its predecessor's open transaction
     * @param groupInstanceId static membership id (stable and unique per instance); empty for dynamic membership
     * @param maxRecords most records per transaction; the engine splits them into ONNX Runtime batches, so this only
     *     sets how often a transaction's fixed cost is paid
     * @param reviewThreshold predictions less confident than this also go to the review topic
     * @param batchTimeout longest wait for the engine on one batch before it is rewound and retried
     * @param deadLetterMaxBytes largest dead letter: under the DLQ topic's {@code max.message.bytes}
     * @param leaveGroupOnClose whether a clean stop leaves the group (its partitions move at once; a static member
     *     that stays keeps them until it is back or its session expires)
     * @param maxBatchLatency inference time a batch may take while the loop keeps up: batches are capped at the records
     *     the engine classifies in that time (measured), and grow to {@code maxRecords} only while more records wait
     *     than a capped batch holds (see {@link BatchBudget}); zero: always up to {@code maxRecords}
     */
    public record Settings(
            Topics topics,
            String groupId,
            String transactionalId,
            Optional<String> groupInstanceId,
            int maxRecords,
            Duration maxWait,
            Duration pollTimeout,
            double reviewThreshold,
            Duration transactionTimeout,
            Duration batchTimeout,
            int deadLetterMaxBytes,
            boolean leaveGroupOnClose,
            Duration maxBatchLatency) {

        /** Settings without a latency cap: batches as large as {@code maxRecords} whenever records are there. */
        public Settings(
                Topics topics,
                String groupId,
                String transactionalId,
                Optional<String> groupInstanceId,
                int maxRecords,
                Duration maxWait,
                Duration pollTimeout,
                double reviewThreshold,
                Duration transactionTimeout,
                Duration batchTimeout,
                int deadLetterMaxBytes,
                boolean leaveGroupOnClose) {
            this(
                    topics,
                    groupId,
                    transactionalId,
                    groupInstanceId,
                    maxRecords,
                    maxWait,
                    pollTimeout,
                    reviewThreshold,
                    transactionTimeout,
                    batchTimeout,
                    deadLetterMaxBytes,
                    leaveGroupOnClose,
                    Duration.ZERO);
        }
    }

    private final Settings settings;
    private final Map<String, Object> kafkaConfig;
    private final KafkaClientFactory clients;
    private final BatchingEngine engine;
    private final ModelHolder holder;
    private final InputValidator validator;
    private final InferenceMetrics metrics;
    private final PoisonBatchPolicy policy = new PoisonBatchPolicy(INFERENCE_ATTEMPTS);
    private final List<ConsumerRecord<byte[], byte[]>> buffer = new ArrayList<>();
    private final BatchBudget budget;
    private long lastEngineDoneNanos; // when the engine finished the last batch completed here
    private final Thread thread;

    /** A polled batch whose classification is under way in the engine. */
    private record InFlight(
            List<ConsumerRecord<byte[], byte[]>> records,
            List<Validated<TextInput>> parsed,
            CompletableFuture<EngineResult> result,
            long submittedNanos,
            AtomicLong doneNanos) {}

    private InFlight pending;
    private Consumer<byte[], byte[]> consumer;
    private TransactionalSink sink;
    private OutputMapper mapper;
    private volatile boolean running = true;
    private volatile boolean polling;
    private volatile boolean joined;
    private volatile int owned;
    private volatile long lag;
    private volatile long lastProgressNanos = System.nanoTime();
    private final long startedNanos = System.nanoTime();
    private boolean firstCommitLogged;
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
        this.budget = new BatchBudget(settings.maxRecords(), settings.maxBatchLatency());
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

    /** The group has given this member its partitions (possibly none): it is doing its share. */
    public boolean hasJoined() {
        return joined && isPolling();
    }

    /** Partitions of the texts topic this member owns now. */
    public int ownedPartitions() {
        return owned;
    }

    public boolean isAlive() {
        return thread.isAlive();
    }

    /** Why the loop died, if it did. */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /**
     * Records behind on the assigned partitions (as of the last poll) while nothing has been committed for longer than
     * {@code timeout}: the loop is stuck.
     */
    public boolean isStalled(Duration timeout) {
        return isPolling() && lag > 0 && System.nanoTime() - lastProgressNanos > timeout.toNanos();
    }

    private void run() {
        try {
            // the transactional producer starts while the model loads: its start fences an earlier incarnation and
            // waits for the abort of what that one left open, which need not wait for the model. The group is joined
            // only once a model is in service, so that a replica that cannot load one takes no partitions.
            consumer = clients.consumer(consumerConfig());
            sink = new TransactionalSink(
                    clients,
                    kafkaConfig,
                    settings.transactionalId(),
                    settings.transactionTimeout(),
                    () -> running,
                    metrics);
            sink.open();
            while (running && !holder.awaitLoaded(Duration.ofSeconds(1))) {
                LOG.debug("waiting for a model before consuming");
            }
            if (!running) {
                return;
            }
            mapper = new OutputMapper(mapperSettings(), Clock.systemUTC());
            consumer.subscribe(List.of(settings.topics().texts()), new Rebalance());
            polling = true;
            LOG.infof(
                    "consuming %s as %s%s",
                    settings.topics().texts(),
                    settings.transactionalId(),
                    settings.groupInstanceId()
                            .map(id -> " (static member " + id + ")")
                            .orElse(""));
            try {
                while (running) {
                    step();
                }
            } catch (WakeupException e) {
                if (running) {
                    throw e;
                }
            }
            if (pending != null) {
                complete(pending); // a clean stop commits what is classified
                pending = null;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (FencedInstanceIdException e) {
            fail(new IllegalStateException(
                    "another consumer joined group " + settings.groupId() + " with instance id "
                            + settings.groupInstanceId().orElse("?")
                            + ": give every replica its own streamtune.instance. Stopping.",
                    e));
        } catch (SinkFatalException e) {
            if (running) {
                fail(failure != null ? failure : e);
            } // else the sink gave up starting or replacing its producer because the loop stops
        } catch (Throwable t) {
            fail(failure != null ? failure : t);
        } finally {
            polling = false;
            joined = false;
            closeClients();
        }
    }

    private void fail(Throwable t) {
        failure = t;
        LOG.error("classify loop died", t);
    }

    /** Polls the next batch, submits it, and completes the batch in flight. */
    private void step() throws InterruptedException {
        List<ConsumerRecord<byte[], byte[]>> batch = pollBatch();
        InFlight next = batch.isEmpty() ? null : submit(batch);
        if (pending != null) {
            InFlight done = pending;
            pending = null;
            if (!complete(done) && next != null) {
                next.result().cancel(false); // rewound: its records come again; its result is dropped
                next = null;
            }
        }
        pending = next;
    }

    private Map<String, Object> consumerConfig() {
        Map<String, Object> config = new HashMap<>(kafkaConfig);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, settings.groupId());
        settings.groupInstanceId().ifPresent(id -> config.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, id));
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.putIfAbsent(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, settings.maxRecords());
        config.putIfAbsent(ConsumerConfig.CLIENT_ID_CONFIG, settings.transactionalId() + "-consumer");
        return config;
    }

    private OutputMapper.Settings mapperSettings() {
        Topics topics = settings.topics();
        return new OutputMapper.Settings(
                topics.predictions(),
                topics.review(),
                topics.dlq(),
                sink.partitions(topics.predictions()),
                sink.partitions(topics.review()),
                settings.reviewThreshold(),
                settings.deadLetterMaxBytes());
    }

    /**
     * The next batch. With nothing in flight: waits up to the poll timeout for a first record, then up to the maximum
     * wait for more. With a batch in flight: gathers what arrives until that batch's inference is done (the wait is
     * free) or the batch is full. Full is {@link BatchBudget}'s limit: {@code maxRecords}, or fewer while the loop
     * keeps up and a latency cap is set (a poll may bring a few records more than the limit; they stay in the batch).
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
            long behind = updateLag();
            if (buffer.size() >= budget.limit(behind)) {
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

    /**
     * Lag as of the last fetch, read on this thread (the consumer is not thread-safe) for the stall check; returns the
     * records still in the topic behind what this thread has polled.
     */
    private long updateLag() {
        long behind = 0;
        for (TopicPartition tp : consumer.assignment()) {
            behind += consumer.currentLag(tp).orElse(0);
        }
        lag = behind + buffer.size() + (pending == null ? 0 : pending.records().size());
        if (lag == 0) {
            lastProgressNanos = System.nanoTime(); // idle is not stuck
        }
        return behind;
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
        long submitted = System.nanoTime();
        long nowMillis = System.currentTimeMillis();
        for (ConsumerRecord<byte[], byte[]> record : batch) {
            metrics.stage(InferenceMetrics.Stage.FETCH, (nowMillis - record.timestamp()) * 1_000_000L);
        }
        CompletableFuture<EngineResult> result =
                texts.isEmpty() ? CompletableFuture.completedFuture(null) : engine.submit(texts, false);
        AtomicLong done = new AtomicLong();
        result.whenComplete((r, t) -> done.compareAndSet(0, System.nanoTime()));
        return new InFlight(batch, parsed, result, submitted, done);
    }

    private static int textsOf(InFlight batch) {
        int texts = 0;
        for (Validated<TextInput> input : batch.parsed()) {
            if (input instanceof Validated.Valid<TextInput>) {
                texts++;
            }
        }
        return texts;
    }

    /** Writes a classified batch; false when the consumer was rewound to the committed offsets instead. */
    private boolean complete(InFlight batch) throws InterruptedException {
        List<RecordOutput> outputs;
        try {
            outputs = classified(batch);
            long now = System.nanoTime();
            batch.doneNanos().compareAndSet(0, now); // completed, its callback not yet run
            long done = batch.doneNanos().get();
            metrics.stage(InferenceMetrics.Stage.ENGINE, done - batch.submittedNanos());
            metrics.stage(InferenceMetrics.Stage.HANDOFF, now - done);
            if (!batch.result().isCompletedExceptionally() && batch.result().getNow(null) != null) {
                // its own inference time: from when the engine could start it (it queues behind the batch before)
                long started = Math.max(batch.submittedNanos(), lastEngineDoneNanos);
                budget.record(textsOf(batch), done - started);
            }
            lastEngineDoneNanos = done;
        } catch (InferenceException e) {
            return inferenceFailed(batch, e);
        } catch (TimeoutException e) {
            LOG.warnf(
                    "the engine did not classify %d records from %s within %s; rewinding",
                    batch.records().size(), firstOffsets(batch.records()), settings.batchTimeout());
            batch.result().cancel(false);
            return retryLater(policy.onOtherFailure());
        }
        if (!write(outputs)) {
            return false;
        }
        policy.onSuccess();
        return true;
    }

    /** The batch's outputs; texts that failed get one more try on their own before they are dead-lettered. */
    private List<RecordOutput> classified(InFlight batch)
            throws InferenceException, TimeoutException, InterruptedException {
        EngineResult result = await(batch.result());
        List<RecordOutput> outputs = new ArrayList<>(mapper.map(batch.records(), batch.parsed(), result));
        List<Integer> failed = new ArrayList<>();
        for (int i = 0; i < outputs.size(); i++) {
            if (outputs.get(i).kind() == RecordOutput.Kind.DEAD_LETTERED
                    && batch.parsed().get(i) instanceof Validated.Valid<TextInput>) {
                failed.add(i);
            }
        }
        if (failed.isEmpty()) {
            return outputs;
        }
        List<ConsumerRecord<byte[], byte[]>> records = new ArrayList<>();
        List<Validated<TextInput>> parsed = new ArrayList<>();
        List<String> texts = new ArrayList<>();
        for (int i : failed) {
            records.add(batch.records().get(i));
            parsed.add(batch.parsed().get(i));
            texts.add(
                    ((Validated.Valid<TextInput>) batch.parsed().get(i)).value().text());
        }
        LOG.warnf("%d texts failed to classify; trying them once more", failed.size());
        List<RecordOutput> again;
        try {
            again = mapper.map(records, parsed, await(engine.submit(texts, false)));
        } catch (InferenceException e) {
            return outputs; // they failed twice: dead-letter them
        }
        for (int j = 0; j < failed.size(); j++) {
            outputs.set(failed.get(j), again.get(j));
        }
        return outputs;
    }

    private EngineResult await(CompletableFuture<EngineResult> result)
            throws InferenceException, TimeoutException, InterruptedException {
        try {
            return result.get(settings.batchTimeout().toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof InferenceException inference) {
                throw inference;
            }
            throw InferenceException.engineDown("the engine failed: " + e.getCause(), e.getCause());
        }
    }

    /**
     * Commits {@code outputs} in one transaction; when one of their records makes the transaction fail, in halves,
     * down to the one record, which is dead-lettered. False when the consumer was rewound instead.
     */
    private boolean write(List<RecordOutput> outputs) {
        try {
            sink.commit(RecordOutput.records(outputs), RecordOutput.offsets(outputs), consumer.groupMetadata());
            committed(outputs);
            return true;
        } catch (TransactionAbortedException e) {
            ConsumerRecord<byte[], byte[]> first = outputs.get(0).source();
            PoisonBatchPolicy.Decision decision =
                    policy.onAbort(outputs.size(), first.topic() + "-" + first.partition() + "@" + first.offset(), e);
            switch (decision.action()) {
                case SPLIT -> {
                    metrics.poison("split");
                    int mid = outputs.size() / 2;
                    LOG.warnf(
                            "a record of %d failed the transaction (%s); committing them in halves",
                            outputs.size(), e.getCause());
                    return write(outputs.subList(0, mid)) && write(outputs.subList(mid, outputs.size()));
                }
                case RETRY_ALONE -> {
                    return write(outputs);
                }
                case DEAD_LETTER -> {
                    return deadLetterUnwritable(outputs.get(0), e);
                }
                default -> {
                    return retryLater(decision);
                }
            }
        }
    }

    /** One input whose outputs Kafka refuses: its dead letter instead, cut to the minimum size if need be. */
    private boolean deadLetterUnwritable(RecordOutput output, TransactionAbortedException cause) {
        ConsumerRecord<byte[], byte[]> source = output.source();
        // a dead letter too large for the DLQ keeps its reason; a prediction Kafka refuses gets one
        Rejection rejection = output.rejection() != null
                ? output.rejection()
                : new Rejection(
                        RejectReason.PROCESSING_FAILED, "its outputs cannot be written to Kafka: " + cause.getCause());
        LOG.errorf(
                "dead-lettering %s-%d@%d: %s", source.topic(), source.partition(), source.offset(), rejection.detail());
        for (int maxBytes : new int[] {settings.deadLetterMaxBytes(), DeadLetters.MIN_MAX_BYTES}) {
            RecordOutput dead = mapper.deadLetter(source, rejection, maxBytes);
            try {
                sink.commit(dead.records(), RecordOutput.offsets(List.of(dead)), consumer.groupMetadata());
                metrics.poison("isolated");
                committed(List.of(dead));
                return true;
            } catch (TransactionAbortedException e) {
                if (!e.causedByRecord()) {
                    return retryLater(policy.onOtherFailure());
                }
                LOG.errorf(
                        "the dead letter of %s-%d@%d was refused too: %s",
                        source.topic(), source.partition(), source.offset(), e.getCause());
            }
        }
        return retryLater(policy.onOtherFailure());
    }

    /** The whole batch failed in the engine: retry, then classify its texts one at a time. */
    private boolean inferenceFailed(InFlight batch, InferenceException e) throws InterruptedException {
        PoisonBatchPolicy.Decision decision = policy.onInferenceFailure(firstOffsets(batch.records()), e);
        LOG.warnf(
                "the engine failed on %d records from %s (%s): %s",
                batch.records().size(), firstOffsets(batch.records()), e.getMessage(), decision.action());
        if (decision.action() != PoisonBatchPolicy.Action.ISOLATE) {
            return retryLater(decision);
        }
        List<RecordOutput> outputs = new ArrayList<>(batch.records().size());
        try {
            for (int i = 0; i < batch.records().size(); i++) {
                InFlight one = submit(List.of(batch.records().get(i)));
                try {
                    outputs.addAll(classified(one));
                } catch (InferenceException single) {
                    if (!single.mayBeCausedByTexts()) {
                        return retryLater(policy.onOtherFailure());
                    }
                    outputs.add(mapper.deadLetter(
                            one.records().get(0),
                            new Rejection(RejectReason.PROCESSING_FAILED, "inference failed: " + single.getMessage())));
                }
            }
        } catch (TimeoutException timeout) {
            return retryLater(policy.onOtherFailure());
        }
        return write(outputs);
    }

    /** Rewinds to the committed offsets and waits before the records come again. */
    private boolean retryLater(PoisonBatchPolicy.Decision decision) {
        rewind();
        sleep(decision.backoffMs());
        return false;
    }

    private void committed(List<RecordOutput> outputs) {
        lastProgressNanos = System.nanoTime();
        if (!firstCommitLogged) {
            firstCommitLogged = true;
            LOG.infof(
                    "first transaction committed (%d records), %d ms after the loop started",
                    outputs.size(), (lastProgressNanos - startedNanos) / 1_000_000);
        }
        int predicted = 0;
        int reviewed = 0;
        int dead = 0;
        for (RecordOutput output : outputs) {
            switch (output.kind()) {
                case PREDICTED -> predicted++;
                case REVIEWED -> {
                    predicted++;
                    reviewed++;
                }
                case DEAD_LETTERED -> dead++;
            }
            if (output.latencyMs() >= 0) {
                metrics.latency(output.latencyMs());
            }
        }
        metrics.predicted(predicted);
        metrics.reviewed(reviewed);
        metrics.deadLettered(dead);
    }

    /**
     * Seeks every assigned partition back to its committed offset (its start when nothing was committed) and drops
     * every record polled but not committed, so that none is produced twice.
     */
    private void rewind() {
        rewind(List.of());
    }

    private void rewind(Collection<TopicPartition> gone) {
        buffer.clear();
        Set<TopicPartition> assigned = new HashSet<>(consumer.assignment());
        assigned.removeAll(gone);
        if (assigned.isEmpty()) {
            return;
        }
        Map<TopicPartition, OffsetAndMetadata> committed = committedOffsets(assigned);
        if (committed == null) {
            return; // stopping: nothing is committed after this, so where the consumer stands no longer matters
        }
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

    /**
     * The group's committed offsets of {@code partitions}, asked again until the coordinator answers: a broker outage
     * or a transaction still being aborted makes the read time out, and reading on without a rewind would produce
     * records twice or skip them. The stall check reports the wait if it lasts. Null when the loop is stopping.
     */
    private Map<TopicPartition, OffsetAndMetadata> committedOffsets(Set<TopicPartition> partitions) {
        long backoffMs = REWIND_BACKOFF_MS;
        for (int attempt = 1; ; attempt++) {
            try {
                return consumer.committed(partitions); // waits up to the client's default.api.timeout.ms
            } catch (org.apache.kafka.common.errors.TimeoutException e) {
                if (!running) {
                    return null;
                }
                metrics.rewindRetry();
                LOG.warnf(
                        "reading the committed offsets of %s to rewind timed out (attempt %d: %s); nothing is read"
                                + " until they are known, asking again in %d ms",
                        partitions, attempt, e.getMessage(), backoffMs);
                sleep(backoffMs);
                if (!running) {
                    return null;
                }
                backoffMs = Math.min(backoffMs * 2, MAX_REWIND_BACKOFF_MS);
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
        if (sink != null) {
            sink.close();
        }
        if (consumer != null) {
            try {
                consumer.close(CloseOptions.groupMembershipOperation(
                                settings.leaveGroupOnClose()
                                        ? CloseOptions.GroupMembershipOperation.LEAVE_GROUP
                                        : CloseOptions.GroupMembershipOperation.DEFAULT)
                        .withTimeout(Duration.ofSeconds(5)));
            } catch (RuntimeException e) {
                LOG.warn("closing the consumer", e);
            }
        }
    }

    /**
     * Commits the batch in flight before partitions go (on failure the next owner redoes it); drops buffered records
     * of partitions taken away.
     */
    private final class Rebalance implements ConsumerRebalanceListener {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (pending != null && !partitions.isEmpty()) {
                InFlight done = pending;
                pending = null;
                try {
                    complete(done); // a failure rewinds every partition and empties the buffer
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    running = false;
                } catch (SinkFatalException e) {
                    failure = e;
                    throw e;
                }
            }
            buffer.removeIf(r -> partitions.contains(new TopicPartition(r.topic(), r.partition())));
            owned = consumer.assignment().size() - partitions.size();
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            joined = true;
            owned = consumer.assignment().size();
            LOG.infof("assigned %s", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            // the group moved on without us: nothing can be committed for these any more, and what was polled
            // for the partitions still held is dropped with them, so it is read again from the committed offsets
            LOG.warnf("lost %s", partitions);
            if (pending != null) {
                pending.result().cancel(false);
                pending = null;
            }
            rewind(partitions);
            owned = Math.max(0, consumer.assignment().size() - partitions.size());
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
