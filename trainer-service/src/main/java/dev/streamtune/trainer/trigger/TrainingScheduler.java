package dev.streamtune.trainer.trigger;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.common.model.TrainingLineage;
import dev.streamtune.trainer.dataset.TrainerSignals;
import dev.streamtune.trainer.publish.PromotionService;
import dev.streamtune.trainer.training.Lane;
import dev.streamtune.trainer.training.RunCancellation;
import dev.streamtune.trainer.training.RunOutcome;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.jboss.logging.Logger;

/**
 * Decides when to train and runs one training at a time on its own worker thread. Every trigger is written to the
 * state topic before it is acknowledged, so a request made during a run, or a run cut short by a restart, runs later.
 */
public final class TrainingScheduler implements TrainerSignals, AutoCloseable {

    private static final Logger LOG = Logger.getLogger(TrainingScheduler.class);
    private static final DateTimeFormatter RUN_ID_TIME =
            DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss").withZone(ZoneOffset.UTC);

    /** Runs one training. */
    @FunctionalInterface
    public interface RunLauncher {
        RunOutcome run(String runId, String trigger, RunCancellation cancellation);
    }

    /** What is running now. */
    public record ActiveRun(TrainerState.Run run, RunCancellation cancellation) {}

    private final String model;
    private final TriggerPolicy policy;
    private final Duration driftCooldown;
    private final Duration pollInterval;
    private final TrainerStateStore stateStore;
    private final RunLauncher launcher;
    private final PromotionService promotions;
    private final LongSupplier changeCount;
    private final BooleanSupplier ready;
    private final Clock clock;
    private final Consumer<RunOutcome> onFinished;
    private final FastLaneTrigger fastLane;
    private final ScheduledExecutorService ticker =
            Executors.newSingleThreadScheduledExecutor(r -> new Thread(r, "trainer-scheduler"));
    private final ExecutorService worker = Executors.newSingleThreadExecutor(r -> new Thread(r, "trainer-worker"));

    private TrainerState state;
    /**
     * A save failed, so the topic may not end with {@link #state}: a save that timed out can still be written by the
     * producer's own retries once the broker answers (a trigger the caller was told failed), and a run's end that was
     * not saved would be run again after a restart. Each tick writes the state again until a save succeeds; the
     * idempotent producer keeps a partition's records in order, so that save is the topic's last word.
     */
    private boolean unsaved;

    /** How long a run cancelled at shutdown is given to stop by itself before it is interrupted. */
    static final Duration COOPERATIVE_STOP = Duration.ofSeconds(10);
    /** How long an interrupted run is then waited for. */
    static final Duration INTERRUPTED_STOP = Duration.ofSeconds(5);

    /** Written under this object's lock; volatile so that {@link #close()} reads them without it. */
    private volatile ActiveRun active;

    private volatile Future<?> activeFuture;
    private volatile boolean shuttingDown;
    private long lastSeenChangeCount = -1;
    private Instant lastChangeAt;
    /** The first change seen since the last run started (changes during a run are seen after it). */
    private Instant firstChangeAt;

    public TrainingScheduler(
            String model,
            TriggerPolicy policy,
            Duration driftCooldown,
            Duration pollInterval,
            TrainerStateStore stateStore,
            RunLauncher launcher,
            PromotionService promotions,
            LongSupplier changeCount,
            BooleanSupplier ready,
            Clock clock,
            Consumer<RunOutcome> onFinished) {
        this(
                model,
                policy,
                new FastLaneTrigger(FastLaneTrigger.Settings.disabled(), null),
                driftCooldown,
                pollInterval,
                stateStore,
                launcher,
                promotions,
                changeCount,
                ready,
                clock,
                onFinished);
    }

    /** With a fast lane: asked after {@code policy} (the slow lane), so a due full run always goes first. */
    public TrainingScheduler(
            String model,
            TriggerPolicy policy,
            FastLaneTrigger fastLane,
            Duration driftCooldown,
            Duration pollInterval,
            TrainerStateStore stateStore,
            RunLauncher launcher,
            PromotionService promotions,
            LongSupplier changeCount,
            BooleanSupplier ready,
            Clock clock,
            Consumer<RunOutcome> onFinished) {
        this.model = model;
        this.fastLane = fastLane;
        this.policy = policy;
        this.driftCooldown = driftCooldown;
        this.pollInterval = pollInterval;
        this.stateStore = stateStore;
        this.launcher = launcher;
        this.promotions = promotions;
        this.changeCount = changeCount;
        this.ready = ready;
        this.clock = clock;
        this.onFinished = onFinished;
    }

    /** Loads the remembered state (turning an interrupted run into a pending one) and starts ticking. */
    public synchronized void start() {
        state = stateStore.load(model);
        if (state.running() != null) {
            TrainerState.Run interrupted = state.running();
            LOG.warnf("Run %s was interrupted (the trainer stopped mid-run); it will run again", interrupted.runId());
            TrainerState.Trigger resume = state.pending() != null
                    ? state.pending()
                    : new TrainerState.Trigger(
                            TriggerPolicy.RESUME,
                            "run " + interrupted.runId() + " (" + interrupted.trigger() + ") was interrupted",
                            "trainer",
                            clock.instant());
            state = state.withRunning(null).withPending(resume);
            save(state);
        } else if (state.pending() != null) {
            LOG.infof(
                    "Pending trigger from before the restart: %s (%s)",
                    state.pending().reason(), state.pending().detail());
        }
        long millis = pollInterval.toMillis();
        ticker.scheduleWithFixedDelay(this::tickSafely, millis, millis, TimeUnit.MILLISECONDS);
    }

    public synchronized TrainerState state() {
        return state;
    }

    public synchronized Optional<ActiveRun> active() {
        return Optional.ofNullable(active);
    }

    public String nextRun() {
        TrainerState s = state();
        return s == null ? "not started" : policy.nextRun(s, changeCount.getAsLong()) + fastLane.describe();
    }

    /** Asks for a run; remembered (persisted) when one is running or the dataset is not ready. */
    public synchronized TrainerState.Trigger request(TrainerState.Trigger trigger) {
        if (state.pending() == null) {
            // saved first: a save that fails leaves nothing pending, so the caller's error is the whole truth and a
            // command redelivered after it is remembered then
            TrainerState next = state.withPending(trigger);
            save(next);
            state = next;
            LOG.infof("Training requested: %s by %s (%s)", trigger.reason(), trigger.requestedBy(), trigger.detail());
        } else {
            LOG.infof(
                    "Training requested (%s by %s) while %s is already pending: one run will serve both",
                    trigger.reason(), trigger.requestedBy(), state.pending().reason());
        }
        ticker.execute(this::tickSafely);
        return state.pending();
    }

    @Override
    public void onCommand(TrainerCommand command) {
        switch (command.type()) {
            case RETRAIN ->
                request(new TrainerState.Trigger(
                        TriggerPolicy.MANUAL,
                        command.reason(),
                        command.requestedBy(),
                        command.ts() == null ? clock.instant() : command.ts()));
            case PROMOTE -> {
                try {
                    promotions.promote(model, command.version(), command.requestedBy(), command.reason());
                } catch (Exception e) {
                    LOG.errorf(
                            "PROMOTE v%s from %s failed: %s", command.version(), command.requestedBy(), e.getMessage());
                }
            }
        }
    }

    @Override
    public synchronized void onDriftAlert(AlertEvent alert) {
        Instant now = clock.instant();
        Instant last = state.lastDriftTriggerAt();
        if (last != null && now.isBefore(last.plus(driftCooldown))) {
            LOG.infof(
                    "Drift alert from %s ignored: cool-down until %s (last drift-triggered run requested %s)",
                    alert.instance(), last.plus(driftCooldown), last);
            return;
        }
        TrainerState next = state.withLastDriftTriggerAt(now);
        save(next);
        state = next;
        request(new TrainerState.Trigger(TriggerPolicy.DRIFT, alert.message(), alert.instance(), now));
    }

    /** A periodic task that throws is never run again: nothing may escape, Errors included. */
    private void tickSafely() {
        try {
            tick();
        } catch (Throwable e) {
            LOG.errorf(e, "Scheduler tick failed; will try again in %s", pollInterval);
        }
    }

    synchronized void tick() {
        if (shuttingDown || !savedAgain() || active != null || !ready.getAsBoolean()) {
            return;
        }
        long count = changeCount.getAsLong();
        Instant now = clock.instant();
        if (count != lastSeenChangeCount) {
            lastSeenChangeCount = count;
            lastChangeAt = now;
            if (firstChangeAt == null) {
                firstChangeAt = now;
            }
        }
        Optional<TrainerState.Trigger> due =
                policy.due(state, count, now).or(() -> fastLane.due(state, count, firstChangeAt, lastChangeAt, now));
        due.ifPresent(this::launch);
    }

    private void launch(TrainerState.Trigger trigger) {
        Instant now = clock.instant();
        String runId = model + "-" + RUN_ID_TIME.format(now) + "-"
                + UUID.randomUUID().toString().substring(0, 6);
        TrainerState.Run run = new TrainerState.Run(runId, trigger.reason(), now, null, "RUNNING", null, List.of());
        TrainerState next = state.withPending(null).withRunning(run);
        save(next); // when this fails the trigger stays pending and the next tick tries again
        state = next;
        firstChangeAt = null;
        RunCancellation cancellation = new RunCancellation();
        active = new ActiveRun(run, cancellation);
        activeFuture = worker.submit(() -> execute(run, cancellation));
    }

    private void execute(TrainerState.Run run, RunCancellation cancellation) {
        RunOutcome outcome;
        try {
            outcome = launcher.run(run.runId(), run.trigger(), cancellation);
        } catch (Throwable t) {
            LOG.errorf(t, "Run %s crashed", run.runId());
            outcome = new RunOutcome(
                    run.runId(),
                    run.trigger(),
                    RunOutcome.Status.FAILED,
                    null,
                    false,
                    List.of(String.valueOf(t)),
                    null,
                    null,
                    null,
                    null,
                    run.startedAt(),
                    clock.instant());
        }
        // interrupted at shutdown: the state save of its end still gets its chance (bounded by close's wait)
        if (Thread.interrupted() && !shuttingDown) {
            Thread.currentThread().interrupt();
        }
        finish(run, outcome);
    }

    private void finish(TrainerState.Run run, RunOutcome outcome) {
        synchronized (this) {
            TrainerState.Run done = new TrainerState.Run(
                    run.runId(),
                    run.trigger(),
                    run.startedAt(),
                    outcome.finishedAt(),
                    outcome.status().name(),
                    outcome.version(),
                    outcome.reasons());
            long base = outcome.snapshotChangeCount() != null
                    ? outcome.snapshotChangeCount()
                    : state.changeCountAtLastRun();
            state = isFastLane(outcome) ? state.fastFinished(done, base) : state.finished(done, base);
            // a run cut short by shutdown (cancelled, failing because its streams closed under it, or stopped while
            // learning whether its announcement committed) runs again: at worst a version is published twice over
            boolean interrupted = outcome.status() == RunOutcome.Status.CANCELLED
                    || outcome.status() == RunOutcome.Status.FAILED
                    || outcome.status() == RunOutcome.Status.UNCONFIRMED;
            if (interrupted && shuttingDown && state.pending() == null) {
                state = state.withPending(new TrainerState.Trigger(
                        TriggerPolicy.RESUME,
                        "run " + run.runId() + " was cut short by shutdown",
                        "trainer",
                        clock.instant()));
            }
            if (outcome.status() == RunOutcome.Status.SUPERSEDED && state.pending() == null) {
                state = state.withPending(new TrainerState.Trigger(
                        TriggerPolicy.DELETION, String.join("; ", outcome.reasons()), "trainer", clock.instant()));
            }
            try {
                save(state);
            } catch (RuntimeException e) {
                LOG.errorf(
                        "Could not save the state after run %s (saved again on the next tick): %s",
                        run.runId(), e.getMessage());
            }
            active = null;
            activeFuture = null;
        }
        LOG.infof("Run %s ended %s %s", run.runId(), outcome.status(), outcome.reasons());
        try {
            onFinished.accept(outcome);
        } catch (RuntimeException e) {
            LOG.warnf("Run listener failed: %s", e.getMessage());
        }
        if (!shuttingDown) {
            ticker.execute(this::tickSafely);
        }
    }

    /** Saves {@code next}, remembering a failure so that the next tick writes the state again. */
    private void save(TrainerState next) {
        try {
            stateStore.save(next);
            unsaved = false;
        } catch (RuntimeException e) {
            unsaved = true;
            throw e;
        }
    }

    /** True unless a save failed earlier and writing the state again fails too (the broker is still away). */
    private boolean savedAgain() {
        if (!unsaved) {
            return true;
        }
        try {
            save(state);
            LOG.infof("Trainer state saved again after a failed save (pending: %s)", state.pending() != null);
            return true;
        } catch (RuntimeException e) {
            LOG.warnf("Trainer state still not saved: %s", e.getMessage());
            return false;
        }
    }

    /** A fast-lane run (one that gave way to a full run counts as full: its lineage says which ran). */
    private static boolean isFastLane(RunOutcome outcome) {
        return outcome.lineage() != null
                ? TrainingLineage.LANE_FAST.equals(outcome.lineage().lane())
                : Lane.of(outcome.trigger()) == Lane.FAST;
    }

    /**
     * Cancels a running training (it is remembered as pending) and stops the threads, within {@link #COOPERATIVE_STOP}
     * plus {@link #INTERRUPTED_STOP} whatever the broker does: the pod's grace period must cover this and the clients'
     * closes after it.
     */
    @Override
    public void close() {
        close(COOPERATIVE_STOP, INTERRUPTED_STOP);
    }

    /**
     * Asks the run to stop (it checks its cancellation between steps), and interrupts it when it has not stopped
     * within {@code cooperative}: a run waiting on a broker that does not answer (its registry write, a state save)
     * checks nothing until that wait ends, minutes later. Takes no lock a tick or a save may hold.
     */
    void close(Duration cooperative, Duration interrupted) {
        shuttingDown = true;
        ActiveRun run = active;
        Future<?> running = activeFuture;
        if (run != null) {
            run.cancellation().cancel("trainer shutting down");
        }
        ticker.shutdownNow(); // interrupts a tick waiting on a state save
        if (running != null && !stopped(running, cooperative)) {
            LOG.warnf(
                    "Run %s did not stop within %s of its cancellation (waiting on the broker?); interrupting it",
                    run == null ? "?" : run.run().runId(), cooperative);
            worker.shutdownNow();
            if (!stopped(running, interrupted)) {
                LOG.warnf(
                        "Run %s still running %s after its interruption; stopping without it (the state topic"
                                + " says it was running, so it runs again after the restart)",
                        run == null ? "?" : run.run().runId(), interrupted);
            }
        }
        worker.shutdownNow();
    }

    private static boolean stopped(Future<?> running, Duration within) {
        try {
            running.get(within.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (TimeoutException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (ExecutionException | CancellationException e) {
            return true;
        }
    }
}
