package dev.streamtune.trainer.bert.training;

import java.util.concurrent.CancellationException;

/**
 * Lets another thread stop a fine-tuning run. The run checks it between steps and stops with a
 * {@link CancellationException}; nothing half-trained is returned.
 */
public final class CancellationToken {

    private volatile String reason;

    /** A token nobody cancels. */
    public static CancellationToken none() {
        return new CancellationToken();
    }

    public void cancel(String why) {
        reason = why == null ? "cancelled" : why;
    }

    public boolean isCancelled() {
        return reason != null;
    }

    /** @throws CancellationException if {@link #cancel(String)} was called */
    public void throwIfCancelled() {
        String why = reason;
        if (why != null) {
            throw new CancellationException("fine-tuning cancelled: " + why);
        }
    }
}
