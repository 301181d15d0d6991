package dev.streamtune.trainer.trigger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import dev.streamtune.trainer.training.RunOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The scheduler against its real state topic: one run at a time, a trigger during a run is remembered, and a restart
 * (a new scheduler on the same topic) runs what was pending or interrupted. The launcher records runs instead of
 * fine-tuning: what is under test is when runs start, not what they do.
 */
@WithEmbeddedKafka
class TrainingSchedulerTest {

    private final List<String> started = new CopyOnWriteArrayList<>();
    private final AtomicLong changes = new AtomicLong();

    @Test
    void shouldRememberATriggerThatArrivesDuringARunAndRunItAfterwards(EmbeddedKafkaBroker kafka) throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        try (var store = store(kafka, "during-run");
                var scheduler = scheduler("during-run", store, blockingLauncher(release))) {
            scheduler.start();
            scheduler.onCommand(retrain("first"));
            await().until(() -> started.size() == 1);

            scheduler.onCommand(retrain("second"));

            assertThat(scheduler.state().pending().detail()).isEqualTo("second");
            assertThat(started).hasSize(1); // never two at once
            release.countDown();
            await().until(() -> started.size() == 2);
            await().until(() ->
                    scheduler.active().isEmpty() && scheduler.state().pending() == null);
        }
    }

    @Test
    void shouldRunAPendingTriggerAfterARestart(EmbeddedKafkaBroker kafka) throws Exception {
        try (var store = store(kafka, "restart-pending");
                var first = scheduler("restart-pending", store, recordingLauncher(), () -> false)) {
            first.start();
            first.onCommand(retrain("asked before the crash")); // not ready: stays pending
            assertThat(first.state().pending()).isNotNull();
        }
        try (var store = store(kafka, "restart-pending");
                var second = scheduler("restart-pending", store, recordingLauncher())) {
            second.start();
            await().until(() -> started.size() == 1);
            assertThat(second.state().lastRun().trigger()).isEqualTo(TriggerPolicy.MANUAL);
        }
    }

    @Test
    void shouldRunAgainARunThatTheProcessDiedIn(EmbeddedKafkaBroker kafka) throws Exception {
        try (var store = store(kafka, "died-mid-run")) {
            store.ensureTopic();
            TrainerState died = TrainerState.initial("died-mid-run")
                    .withRunning(new TrainerState.Run(
                            "run-1", TriggerPolicy.DRIFT, Instant.now(), null, "RUNNING", null, List.of()));
            store.save(died);
        }
        try (var store = store(kafka, "died-mid-run");
                var scheduler = scheduler("died-mid-run", store, recordingLauncher())) {
            scheduler.start();
            await().until(() -> started.size() == 1);
            assertThat(started.get(0)).isEqualTo(TriggerPolicy.RESUME);
        }
    }

    @Test
    void shouldIgnoreDriftAlertsDuringTheCoolDown(EmbeddedKafkaBroker kafka) throws Exception {
        try (var store = store(kafka, "drift");
                var scheduler = scheduler("drift", store, recordingLauncher())) {
            scheduler.start();
            scheduler.onDriftAlert(drift());
            await().until(() -> started.size() == 1);
            await().until(() -> scheduler.active().isEmpty());

            scheduler.onDriftAlert(drift());
            scheduler.onDriftAlert(drift());
            Thread.sleep(500);

            assertThat(started).containsExactly(TriggerPolicy.DRIFT);
            assertThat(scheduler.state().pending()).isNull();
        }
    }

    @Test
    void shouldTrainAfterEnoughChangedExamples(EmbeddedKafkaBroker kafka) throws Exception {
        try (var store = store(kafka, "min-changes");
                var scheduler = scheduler("min-changes", store, recordingLauncher())) {
            scheduler.start();
            changes.set(4);
            Thread.sleep(300);
            assertThat(started).isEmpty();

            changes.set(5);

            await().until(() -> started.size() == 1);
            assertThat(started.get(0)).isEqualTo(TriggerPolicy.MIN_CHANGES);
            await().until(() -> scheduler.active().isEmpty());
            assertThat(scheduler.state().changeCountAtLastRun()).isEqualTo(5);
        }
    }

    @Test
    void shouldKeepTickingAfterATickThrewAnError(EmbeddedKafkaBroker kafka) throws Exception {
        AtomicInteger checks = new AtomicInteger();
        java.util.function.BooleanSupplier ready = () -> {
            if (checks.incrementAndGet() == 1) {
                throw new StackOverflowError("a bug in a readiness check");
            }
            return true;
        };
        try (var store = store(kafka, "tick-error");
                var scheduler = scheduler("tick-error", store, recordingLauncher(), ready)) {
            scheduler.start();
            await().until(() -> checks.get() >= 1);

            changes.set(5); // only the periodic tick notices this

            await().atMost(Duration.ofSeconds(10)).until(() -> started.size() == 1);
        }
    }

    @Test
    void shouldKeepATriggerPendingWhenItsRunCannotBeRecorded(EmbeddedKafkaBroker kafka) throws Exception {
        AtomicBoolean ready = new AtomicBoolean(false);
        try (var store = store(kafka, "unrecorded");
                var scheduler = scheduler("unrecorded", store, recordingLauncher(), ready::get)) {
            scheduler.start();
            scheduler.onCommand(retrain("asked while the state topic is gone"));
            store.close(); // every save fails from now on

            ready.set(true);
            Thread.sleep(500); // several ticks try to start the run

            assertThat(started).isEmpty();
            assertThat(scheduler.state().running()).isNull();
            assertThat(scheduler.state().pending()).isNotNull();
            assertThat(scheduler.state().pending().detail()).isEqualTo("asked while the state topic is gone");
        }
    }

    /**
     * A run that does not stop when cancelled at shutdown (waiting on a broker that does not answer: its registry
     * write, a state save) is interrupted, so close returns without waiting that wait out (before: up to 60 s, the
     * trainer pod's whole grace period, with the clients' closes still to come), and the run runs again after the
     * restart.
     */
    @Test
    void shouldInterruptARunThatIgnoresItsCancellationAtShutdown(EmbeddedKafkaBroker kafka) throws Exception {
        CountDownLatch interrupted = new CountDownLatch(1);
        TrainingScheduler.RunLauncher deaf = (runId, trigger, cancellation) -> {
            started.add(trigger);
            try {
                Thread.sleep(Duration.ofMinutes(5).toMillis()); // a wait that checks no cancellation
            } catch (InterruptedException e) {
                interrupted.countDown();
            }
            return outcome(runId, trigger, RunOutcome.Status.UNCONFIRMED);
        };
        try (var store = store(kafka, "deaf-run")) {
            TrainingScheduler scheduler = scheduler("deaf-run", store, deaf);
            scheduler.start();
            scheduler.onCommand(retrain("cut short by shutdown"));
            await().until(() -> started.size() == 1);

            long start = System.nanoTime();
            scheduler.close(Duration.ofMillis(200), Duration.ofSeconds(20));
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(interrupted.getCount()).as("the run was interrupted").isZero();
            // a functional bound, not a speed: the old close waited 60 s, the trainer pod's whole grace period
            assertThat(took).as("close returned once the run stopped").isLessThan(Duration.ofSeconds(30));
            assertThat(scheduler.active()).as("its end was recorded").isEmpty();
            assertThat(scheduler.state().pending().reason()).isEqualTo(TriggerPolicy.RESUME);
        }
        try (var store = store(kafka, "deaf-run");
                var restarted = scheduler("deaf-run", store, recordingLauncher())) {
            restarted.start();
            await().until(() -> started.size() == 2);
            assertThat(started.get(1)).isEqualTo(TriggerPolicy.RESUME);
        }
    }

    private TrainerStateStore store(EmbeddedKafkaBroker kafka, String name) {
        return new TrainerStateStore("trainer.state." + name, kafka.clientProperties());
    }

    private TrainingScheduler scheduler(String model, TrainerStateStore store, TrainingScheduler.RunLauncher launcher)
            throws InterruptedException {
        return scheduler(model, store, launcher, () -> true);
    }

    private TrainingScheduler scheduler(
            String model,
            TrainerStateStore store,
            TrainingScheduler.RunLauncher launcher,
            java.util.function.BooleanSupplier ready)
            throws InterruptedException {
        store.ensureTopic();
        return new TrainingScheduler(
                model,
                new TriggerPolicy(5, Duration.ofHours(1), true),
                Duration.ofHours(1),
                Duration.ofMillis(50),
                store,
                launcher,
                null,
                changes::get,
                ready,
                Clock.systemUTC(),
                outcome -> {});
    }

    private TrainingScheduler.RunLauncher recordingLauncher() {
        return (runId, trigger, cancellation) -> {
            started.add(trigger);
            return outcome(runId, trigger);
        };
    }

    private TrainingScheduler.RunLauncher blockingLauncher(CountDownLatch release) {
        return (runId, trigger, cancellation) -> {
            started.add(trigger);
            try {
                release.await(30, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return outcome(runId, trigger);
        };
    }

    private RunOutcome outcome(String runId, String trigger) {
        return outcome(runId, trigger, RunOutcome.Status.SKIPPED);
    }

    private RunOutcome outcome(String runId, String trigger, RunOutcome.Status status) {
        return new RunOutcome(
                runId,
                trigger,
                status,
                null,
                false,
                List.of("test"),
                null,
                null,
                null,
                changes.get(),
                Instant.now(),
                Instant.now());
    }

    private static TrainerCommand retrain(String reason) {
        return new TrainerCommand(
                SchemaVersions.CURRENT, TrainerCommand.Type.RETRAIN, "m", null, "test", reason, Instant.now());
    }

    private static AlertEvent drift() {
        return new AlertEvent(
                SchemaVersions.CURRENT, "drift", "inference-0", Instant.now(), 1L, "drift", "warning", "label PSI 0.4");
    }
}
