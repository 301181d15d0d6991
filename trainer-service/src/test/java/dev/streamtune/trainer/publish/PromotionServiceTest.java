package dev.streamtune.trainer.publish;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.common.store.FileSystemArtifactStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PromotionServiceTest {

    private static final String MODEL = "support";
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-12-01T10:00:00Z"), ZoneOffset.UTC);

    @TempDir
    Path root;

    private final LockedRegistry registry = new LockedRegistry();
    private PromotionService promotions;

    @BeforeEach
    void publishThreeVersions() throws IOException {
        for (long v = 1; v <= 3; v++) {
            registry.records.add(record(v, RegistryStatus.PUBLISHED));
        }
        registry.records.add(record(3, RegistryStatus.LIVE));
        promotions =
                new PromotionService(registry, registry, new FileSystemArtifactStore(root), CLOCK, PromotionRules.NONE);
    }

    @Test
    void shouldPromoteAndRollBackOnTheWritersExclusivePath() throws IOException {
        promotions.rollback(MODEL, "ops", "bad v3");
        promotions.promote(MODEL, 3, "ops", "fixed");

        assertThat(registry.writesOutsideExclusivePath).isEmpty();
        assertThat(registry.live(MODEL)).map(ModelRegistryEvent::version).contains(3L);
    }

    @Test
    void shouldWaitForARunsCheckThenWriteBeforeRollingBack() throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2);
        CountDownLatch runChecked = new CountDownLatch(1);
        CountDownLatch runMayWrite = new CountDownLatch(1);
        // a run publishing v4: it has checked which version is live and is about to write
        CompletableFuture<Void> run = CompletableFuture.runAsync(
                () -> registry.exclusively(() -> {
                    runChecked.countDown();
                    awaitQuietly(runMayWrite);
                    registry.write(List.of(record(4, RegistryStatus.PUBLISHED), record(4, RegistryStatus.LIVE)));
                    return null;
                }),
                threads);
        runChecked.await();
        List<Thread> promoter = new CopyOnWriteArrayList<>();
        CompletableFuture<ModelRegistryEvent> rollback = CompletableFuture.supplyAsync(
                () -> {
                    promoter.add(Thread.currentThread());
                    try {
                        return promotions.rollback(MODEL, "ops", "bad v3");
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                },
                threads);

        // either the rollback queues behind the run, or it went around the run's lock and finished
        while (!rollback.isDone() && (promoter.isEmpty() || !registry.lock.hasQueuedThread(promoter.get(0)))) {
            Thread.onSpinWait();
        }
        boolean waitedForTheRun = !rollback.isDone();
        runMayWrite.countDown();
        run.get();
        threads.shutdown();

        assertThat(waitedForTheRun)
                .as("the rollback waited for the run's check-then-write")
                .isTrue();
        // chosen after the run wrote: it rolls back from v4 (the run's) to v3, not from v3 to v2
        assertThat(rollback.get().version()).isEqualTo(3L);
        assertThat(registry.live(MODEL)).map(ModelRegistryEvent::version).contains(3L);
    }

    private ModelRegistryEvent record(long version, RegistryStatus status) {
        Path artifact = root.resolve(MODEL).resolve("v" + version);
        try {
            Files.createDirectories(artifact);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return new ModelRegistryEvent(
                0,
                MODEL,
                version,
                status,
                artifact.toUri().toString(),
                "sha-" + version,
                null,
                null,
                false,
                List.of(),
                CLOCK.instant());
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * The models topic as a list, whose writer's exclusive path is a lock of its own rather than its monitor: what
     * does not go through {@link #exclusively} is not serialised with it.
     */
    private static final class LockedRegistry implements RegistryView, RegistryWriter {

        final ReentrantLock lock = new ReentrantLock();
        final List<ModelRegistryEvent> records = new CopyOnWriteArrayList<>();
        final List<ModelRegistryEvent> writesOutsideExclusivePath = new ArrayList<>();

        @Override
        public <T> T exclusively(Supplier<T> checkThenWrite) {
            lock.lock();
            try {
                return checkThenWrite.get();
            } finally {
                lock.unlock();
            }
        }

        @Override
        public void write(List<ModelRegistryEvent> events) {
            if (!lock.isHeldByCurrentThread()) {
                writesOutsideExclusivePath.addAll(events);
            }
            records.addAll(events);
        }

        @Override
        public Optional<ModelRegistryEvent> live(String model) {
            return records.stream()
                    .filter(r -> r.name().equals(model) && r.status() == RegistryStatus.LIVE)
                    .reduce((a, b) -> b);
        }

        @Override
        public List<ModelRegistryEvent> versions(String model) {
            return records.stream()
                    .filter(r -> r.name().equals(model) && r.status() != RegistryStatus.LIVE)
                    .toList();
        }
    }
}
