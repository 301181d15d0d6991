package dev.streamtune.trainer.training;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;

/** Cancels a running training run (shutdown, operator); the engine checks it between steps. */
public final class RunCancellation {

    private final AtomicReference<String> reason = new AtomicReference<>();
    private final List<Runnable> callbacks = new CopyOnWriteArrayList<>();

    public void cancel(String why) {
        if (reason.compareAndSet(null, why)) {
            callbacks.forEach(Runnable::run);
        }
    }

    public boolean isCancelled() {
        return reason.get() != null;
    }

    public String reason() {
        return reason.get();
    }

    /** Runs {@code callback} on cancellation (at once when already cancelled). */
    public void onCancel(Runnable callback) {
        callbacks.add(callback);
        if (isCancelled()) {
            callback.run();
        }
    }

    /** @throws RunCancelledException when cancelled */
    public void check() {
        String why = reason.get();
        if (why != null) {
            throw new RunCancelledException(why);
        }
    }

    /** Thrown out of a run that was cancelled. */
    public static final class RunCancelledException extends RuntimeException {
        public RunCancelledException(String reason) {
            super("training run cancelled: " + reason);
        }
    }
}
