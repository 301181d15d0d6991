package dev.streamtune.inference.model;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The model in service. Batches {@link #acquire()} it once and release it when done; {@link #swap} replaces it
 * atomically between batches, and the replaced model closes when its last batch releases it.
 */
public final class ModelHolder implements AutoCloseable {

    private final AtomicReference<LoadedModel> current = new AtomicReference<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition loaded = lock.newCondition();

    /** The model in service with a reference taken, or null when none is loaded yet. Release it after the batch. */
    public LoadedModel acquire() {
        while (true) {
            LoadedModel model = current.get();
            if (model == null || model.tryAcquire()) {
                return model;
            }
            // swapped out and closed between the read and the acquire: read again
        }
    }

    /** Puts {@code next} in service and returns the version it replaced (null at start-up). */
    public Long swap(LoadedModel next) {
        LoadedModel previous = current.getAndSet(next);
        lock.lock();
        try {
            loaded.signalAll();
        } finally {
            lock.unlock();
        }
        if (previous == null) {
            return null;
        }
        previous.release();
        return previous.version();
    }

    /** Version in service, or null. */
    public Long version() {
        LoadedModel model = current.get();
        return model == null ? null : model.version();
    }

    /** The model in service without taking a reference (for reading its manifest only). */
    public LoadedModel peek() {
        return current.get();
    }

    public boolean isLoaded() {
        return current.get() != null;
    }

    /** Waits until a model is in service; false on timeout. */
    public boolean awaitLoaded(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        lock.lock();
        try {
            while (current.get() == null) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                loaded.await(left, TimeUnit.NANOSECONDS);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void close() {
        LoadedModel model = current.getAndSet(null);
        if (model != null) {
            model.release();
        }
    }
}
