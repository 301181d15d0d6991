package dev.streamtune.trainer.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.trainer.publish.RegistryWriteException;
import dev.streamtune.trainer.support.BrokerProcess;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registry writer against a real broker process that is paused ({@code SIGSTOP}) in the middle of a write: the
 * producer's calls time out for real. Whatever happens, the writer's answer is what a read_committed reader of the
 * models topic sees: it returns only when the records are visible, and says NOT_WRITTEN only when they are not.
 */
class KafkaRegistryWriterTest {

    private static final String TOPIC = StreamtuneTopics.MODELS_NAME;

    @TempDir
    static Path dataDir;

    private static BrokerProcess broker;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor();
    private final List<List<ModelRegistryEvent>> reported = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startBroker() throws Exception {
        broker = BrokerProcess.start(dataDir, Map.of());
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.close();
    }

    @AfterEach
    void resumeBroker() {
        timer.shutdownNow();
        broker.resume();
        PauseOnAcknowledgement.action = null;
        PauseOnAcknowledgement.onCreate = null;
    }

    @Test
    void shouldRetryATimedOutCommitAsTheSameCommit() throws Exception {
        try (var writer = writer("commit-retry", Duration.ofSeconds(30))) {
            writer.write(List.of(live("commit-retry", 1))); // the producer knows the topic now
            List<ModelRegistryEvent> v2 = List.of(published("commit-retry", 2), live("commit-retry", 2));

            broker.pause();
            timer.schedule(broker::resume, 5, TimeUnit.SECONDS); // the commit times out (1 s) several times first
            writer.write(v2);

            assertThat(visible("commit-retry")).containsEntry("commit-retry", v2.get(1));
            assertThat(reported).contains(v2);
        }
    }

    @Test
    void shouldSayNothingWasWrittenWhenTheCommitNeverReachedTheBroker() throws Exception {
        try (var writer = writer("never-reached", Duration.ofSeconds(4))) {
            writer.write(List.of(live("never-reached", 1)));

            broker.pause();
            timer.schedule(broker::resume, 7, TimeUnit.SECONDS); // past the write's timeout: the writer gives up
            assertThatThrownBy(() -> writer.write(List.of(live("never-reached", 2))))
                    .isInstanceOfSatisfying(RegistryWriteException.class, e -> {
                        assertThat(e.outcome()).isEqualTo(RegistryWriteException.Outcome.NOT_WRITTEN);
                        assertThat(e.fatal()).isFalse();
                    });

            Thread.sleep(2_000); // anything the paused broker still held has had its chance
            assertThat(visible("never-reached").get("never-reached").version()).isEqualTo(1);
            writer.write(List.of(live("never-reached", 3))); // and the writer goes on
            assertThat(visible("never-reached").get("never-reached").version()).isEqualTo(3);
        }
    }

    /**
     * The broker stops just after it stored the records, so the commit request is on its way when the writer gives up
     * retrying: the outcome is unknown until a new producer has completed or aborted the transaction and the topic is
     * read back. Either answer is allowed; it must be the true one.
     */
    @Test
    void shouldReportTheOutcomeReadersSeeWhenTheCommitWasCutOff() throws Exception {
        try (var writer = writer("cut-off", Duration.ofSeconds(4), PauseOnAcknowledgement.class)) {
            writer.write(List.of(live("cut-off", 1)));

            PauseOnAcknowledgement.action = () -> {
                broker.pause();
                timer.schedule(broker::resume, 7, TimeUnit.SECONDS);
            };
            CompletableFuture<Void> write = CompletableFuture.runAsync(() -> writer.write(List.of(live("cut-off", 2))));

            boolean returned;
            try {
                write.join();
                returned = true;
            } catch (java.util.concurrent.CompletionException e) {
                assertThat(e.getCause())
                        .isInstanceOfSatisfying(RegistryWriteException.class, w -> assertThat(w.outcome())
                                .isEqualTo(RegistryWriteException.Outcome.NOT_WRITTEN));
                returned = false;
            }
            Thread.sleep(2_000);
            long visibleVersion = visible("cut-off").get("cut-off").version();
            System.out.printf(
                    "[registry writer] commit cut off: writer %s, readers see v%d%n",
                    returned ? "returned" : "said NOT_WRITTEN", visibleVersion);
            assertThat(visibleVersion).isEqualTo(returned ? 2 : 1);
        }
    }

    @Test
    void shouldSayTheOutcomeIsUnknownWhileTheBrokerStaysOutOfReach() throws Exception {
        try (var writer = writer("unknown", Duration.ofSeconds(2))) {
            writer.write(List.of(live("unknown", 1)));

            broker.pause();
            var resumed = timer.schedule(broker::resume, 8, TimeUnit.SECONDS); // past both phases of 2 s
            assertThatThrownBy(() -> writer.write(List.of(live("unknown", 2))))
                    .isInstanceOfSatisfying(RegistryWriteException.class, e -> assertThat(e.outcome())
                            .isEqualTo(RegistryWriteException.Outcome.UNKNOWN));

            resumed.get();
            writer.write(List.of(live("unknown", 3)));
            assertThat(visible("unknown").get("unknown").version()).isEqualTo(3);
        }
    }

    @Test
    void shouldStopWritingOnceAnotherTrainerTookOver() throws Exception {
        try (var first = writer("fenced", Duration.ofSeconds(10));
                var second = writer("fenced", Duration.ofSeconds(10))) {
            assertThatThrownBy(() -> first.write(List.of(live("fenced", 1))))
                    .isInstanceOfSatisfying(RegistryWriteException.class, e -> {
                        assertThat(e.fatal()).isTrue();
                        assertThat(e.outcome()).isEqualTo(RegistryWriteException.Outcome.NOT_WRITTEN);
                        assertThat(e.getMessage()).contains("another trainer for the same model");
                    });
            assertThat(first.fatalFailure()).isPresent();
            assertThatThrownBy(() -> first.write(List.of(live("fenced", 2))))
                    .isInstanceOfSatisfying(RegistryWriteException.class, e -> assertThat(e.fatal())
                            .isTrue());

            second.write(List.of(live("fenced", 3)));
            assertThat(visible("fenced").get("fenced").version()).isEqualTo(3);
        }
    }

    @Test
    void shouldStopRatherThanFenceBackATrainerWhoseStartAbortedTheWrite() throws Exception {
        String transactionalId = "registry-writer-test-race";
        java.util.concurrent.atomic.AtomicReference<KafkaProducer<String, String>> second =
                new java.util.concurrent.atomic.AtomicReference<>();
        Thread secondTrainer = new Thread(() -> {
            Map<String, Object> config = broker.clientProperties();
            config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, transactionalId);
            // its initTransactions fences the first trainer's open write and is told to retry; it owns the id a
            // second later: the window in which the first one's commit meets the abort (InvalidTxnStateException)
            config.put(ProducerConfig.RETRY_BACKOFF_MS_CONFIG, 1_000);
            config.put(ProducerConfig.RETRY_BACKOFF_MAX_MS_CONFIG, 1_000);
            var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer());
            producer.initTransactions();
            second.set(producer);
        });
        try (var first = writer("race", Duration.ofSeconds(20), PauseOnAcknowledgement.class);
                Admin admin = Admin.create(broker.clientProperties())) {
            // before, the first trainer replaced its producer after the abort; the second one finishing its start first
            // is what then gets it fenced back (without this wait the second one's retry usually fenced the new
            // producer again, hiding the difference)
            PauseOnAcknowledgement.onCreate = () -> join(secondTrainer);
            PauseOnAcknowledgement.action = () -> { // the first trainer's record is written, its commit not yet sent
                secondTrainer.start();
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (System.nanoTime() < deadline
                        && state(admin, transactionalId) != TransactionState.COMPLETE_ABORT) {
                    sleep(100);
                }
            };
            assertThatThrownBy(() -> first.write(List.of(live("race", 1))))
                    .as("before, the first trainer replaced its producer, fenced the second and wrote")
                    .isInstanceOfSatisfying(RegistryWriteException.class, e -> {
                        assertThat(e.fatal()).isTrue();
                        assertThat(e.outcome()).isEqualTo(RegistryWriteException.Outcome.NOT_WRITTEN);
                        assertThat(e.getMessage()).contains("another trainer for the same model");
                    });
        }
        secondTrainer.join(30_000);
        try (KafkaProducer<String, String> survivor = second.get()) { // not fenced back: it writes
            survivor.beginTransaction();
            survivor.send(new ProducerRecord<>(TOPIC, "race-survivor", (String) null));
            survivor.commitTransaction();
        }
        assertThat(visible("race"))
                .as("the first trainer's write is not visible")
                .doesNotContainKey("race");
    }

    private static TransactionState state(Admin admin, String transactionalId) {
        try {
            return admin.describeTransactions(List.of(transactionalId))
                    .description(transactionalId)
                    .get()
                    .state();
        } catch (java.util.concurrent.ExecutionException e) {
            return TransactionState.UNKNOWN;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return TransactionState.UNKNOWN;
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(30_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void shouldReadBackOnlyCommittedWrites() throws Exception {
        Map<String, Object> config = broker.clientProperties();
        config.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "registry-writer-test-read-back");
        try (var producer = new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.initTransactions();
            for (String id : List.of("committed", "aborted")) {
                producer.beginTransaction();
                var record = new ProducerRecord<>(TOPIC, "read-back", (String) null);
                record.headers().add(KafkaRegistryWriter.WRITE_ID_HEADER, id.getBytes(StandardCharsets.UTF_8));
                producer.send(record).get();
                if (id.equals("committed")) {
                    producer.commitTransaction();
                } else {
                    producer.abortTransaction();
                }
            }
        }
        var reader = new ModelsTopicReader(TOPIC, broker.clientProperties());

        assertThat(reader.containsCommitted(KafkaRegistryWriter.WRITE_ID_HEADER, "committed", Duration.ofSeconds(30)))
                .isTrue();
        assertThat(reader.containsCommitted(KafkaRegistryWriter.WRITE_ID_HEADER, "aborted", Duration.ofSeconds(30)))
                .isFalse();
    }

    private KafkaRegistryWriter writer(String model, Duration timeout) {
        return writer(model, timeout, null);
    }

    private KafkaRegistryWriter writer(String model, Duration timeout, Class<?> interceptor) {
        Map<String, Object> config = broker.clientProperties();
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 1_000);
        if (interceptor != null) {
            config.put(ProducerConfig.INTERCEPTOR_CLASSES_CONFIG, interceptor.getName());
        }
        var writer = new KafkaRegistryWriter(TOPIC, "registry-writer-test-" + model, config, timeout, reported::add);
        writer.startProducer(); // as the trainer does at start-up
        return writer;
    }

    private static Map<String, ModelRegistryEvent> visible(String model) {
        Map<String, ModelRegistryEvent> all =
                new ModelsTopicReader(TOPIC, broker.clientProperties()).latest(Duration.ofSeconds(30));
        all.keySet().removeIf(k -> !k.equals(model) && !k.startsWith(model + "/"));
        return all;
    }

    private static ModelRegistryEvent live(String model, long version) {
        return record(model, version, RegistryStatus.LIVE);
    }

    private static ModelRegistryEvent published(String model, long version) {
        return record(model, version, RegistryStatus.PUBLISHED);
    }

    private static ModelRegistryEvent record(String model, long version, RegistryStatus status) {
        return new ModelRegistryEvent(
                SchemaVersions.CURRENT,
                model,
                version,
                status,
                "file:///models/" + model + "/v" + version,
                "sha-" + version,
                null,
                null,
                false,
                List.of(),
                Instant.parse("2026-01-01T00:00:00Z").plusSeconds(version));
    }

    /** Runs {@link #action} once, in the producer's I/O thread, when the broker has acknowledged a record. */
    public static final class PauseOnAcknowledgement implements ProducerInterceptor<Object, Object> {
        static volatile Runnable action;
        /** Runs once when a producer with this interceptor is created (set it after the writer's first one). */
        static volatile Runnable onCreate;

        @Override
        public ProducerRecord<Object, Object> onSend(ProducerRecord<Object, Object> record) {
            return record;
        }

        @Override
        public void onAcknowledgement(RecordMetadata metadata, Exception exception) {
            Runnable once = action;
            if (exception == null && once != null) {
                action = null;
                once.run();
            }
        }

        @Override
        public void close() {}

        @Override
        public void configure(Map<String, ?> configs) {
            Runnable once = onCreate;
            if (once != null) {
                onCreate = null;
                once.run();
            }
        }
    }
}
