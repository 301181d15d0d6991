package dev.streamtune.trainer.app;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.jboss.logging.Logger;

/**
 * The start-up step that needs the broker (the trainer's state topic and its remembered state), run on its own thread
 * and asked again until it succeeds. Done on the start-up thread, a broker out of reach when the pod starts (a cluster
 * restart, a network policy applied after the pods) ended the process after a 30 s timeout, and Kubernetes restarted it
 * with a growing back-off, minutes after the broker was back. Now the trainer stays up and not ready, its readiness
 * saying why ({@link #waitingReason()}), and carries on as soon as the step succeeds. Failures that no retry fixes by
 * itself (an ACL the operator has not granted yet) are asked again too, at the longest back-off: granting the ACL is
 * then enough, no restart needed.
 */
public final class RetryingStartup implements AutoCloseable {

    /** What is asked again; it must be safe to run again after it failed part-way. */
    @FunctionalInterface
    public interface Step {
        void run() throws Exception;
    }

    private static final Logger LOG = Logger.getLogger(RetryingStartup.class);

    private final String what;
    private final Step step;
    private final Duration firstBackoff;
    private final Duration maxBackoff;
    private final CountDownLatch done = new CountDownLatch(1);
    private final Thread thread;
    private volatile boolean stopping;
    private volatile String lastFailure;
    private volatile int attempts;

    /**
     * @param what what the step does, for the log and the readiness reason ("connecting to Kafka", ...)
     * @param firstBackoff the wait after the first failure, doubled after each further one up to {@code maxBackoff}
     */
    public RetryingStartup(String what, Step step, Duration firstBackoff, Duration maxBackoff) {
        this.what = what;
        this.step = step;
        this.firstBackoff = firstBackoff;
        this.maxBackoff = maxBackoff;
        this.thread = new Thread(this::runUntilDone, "trainer-startup");
        this.thread.setDaemon(true);
    }

    public void start() {
        thread.start();
    }

    /** Whether the step has succeeded. */
    public boolean done() {
        return done.getCount() == 0;
    }

    /** Waits up to {@code timeout} for the step to succeed; whether it did. */
    public boolean await(Duration timeout) throws InterruptedException {
        return done.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Failed attempts so far. */
    public int failedAttempts() {
        return attempts;
    }

    /** Why the trainer is not started yet; empty once the step has succeeded. */
    public Optional<String> waitingReason() {
        if (done()) {
            return Optional.empty();
        }
        String failure = lastFailure;
        return Optional.of(
                failure == null
                        ? "starting: " + what
                        : what + " failed " + attempts + " time(s), asking again; last: " + failure);
    }

    private void runUntilDone() {
        Duration backoff = firstBackoff;
        while (!stopping) {
            try {
                step.run();
                done.countDown();
                if (attempts > 0) {
                    LOG.infof("%s succeeded after %d failed attempt(s)", what, attempts);
                }
                return;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (Exception e) {
                if (stopping) {
                    return;
                }
                attempts++;
                lastFailure = describe(e);
                LOG.warnf("%s failed (attempt %d): %s; asking again in %s", what, attempts, lastFailure, backoff);
            }
            try {
                Thread.sleep(backoff.toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(maxBackoff) > 0 ? maxBackoff : backoff.multipliedBy(2);
        }
    }

    /** The message and, where the message alone does not say it (a bare timeout), the cause's. */
    private static String describe(Throwable e) {
        StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
        Throwable cause = e.getCause();
        if (cause != null && cause != e) {
            text.append(" (").append(cause).append(')');
        }
        return text.toString();
    }

    /** Stops asking; an attempt in progress is interrupted (Kafka clients give up their wait). */
    @Override
    public void close() {
        stopping = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
