package dev.streamtune.common.kafka;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.IntConsumer;
import org.apache.kafka.streams.KafkaStreams;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A service's stop against one deadline, its {@code shutdown-timeout}, kept under the pod's grace period. Against a
 * broker that does not answer, Kafka clients wait out their own timeouts one after the other (a producer's close, a
 * transactional sender waiting for its coordinator, a stream thread sitting in a transaction commit for
 * {@code max.block.ms}), and Quarkus closes Kafka Streams without a bound: without a deadline the process was killed
 * without a word at the end of the grace period. With it, the clients close in parallel, each wait is cut to the time
 * left, and past the deadline the process logs why and exits at once with {@link #EXIT_STATUS}. Nothing is lost by
 * that exit as long as every client's work is transactional or at-least-once: what was not committed is aborted by the
 * broker or fenced at the restart, and read again.
 */
public final class ShutdownDeadline {

    /** The exit status when the stop outlasted its deadline. */
    public static final int EXIT_STATUS = 3;

    private static final Logger LOG = LoggerFactory.getLogger(ShutdownDeadline.class);

    private final Duration timeout;
    private final long deadline;
    private final IntConsumer exit;

    /**
     * @param exit called with {@link #EXIT_STATUS} past the deadline: {@code Runtime.getRuntime()::halt} in a service
     *     (shutdown hooks are already running, so {@code System.exit} would block)
     */
    public ShutdownDeadline(Duration timeout, IntConsumer exit) {
        this.timeout = timeout;
        this.deadline = System.nanoTime() + timeout.toNanos();
        this.exit = exit;
    }

    /** A deadline {@code timeout} from now whose expiry halts the JVM. */
    public static ShutdownDeadline begin(Duration timeout) {
        return new ShutdownDeadline(timeout, status -> Runtime.getRuntime().halt(status));
    }

    /** The time left until the deadline; zero once past it. */
    public Duration left() {
        return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
    }

    /**
     * Closes {@code clients} at once, each on its own daemon thread, and waits for them all for at most {@code within}
     * or the time left, whichever is shorter. What is still closing then is left to the process's exit (and logged).
     * Null clients are skipped.
     *
     * @return whether every client finished closing in time
     */
    public boolean closeAll(Duration within, AutoCloseable... clients) {
        List<Thread> closing = new ArrayList<>();
        for (AutoCloseable client : clients) {
            if (client == null) {
                continue;
            }
            Thread thread =
                    new Thread(() -> close(client), "stop-" + client.getClass().getSimpleName());
            thread.setDaemon(true);
            thread.start();
            closing.add(thread);
        }
        Duration wait = within.compareTo(left()) < 0 ? within : left();
        long until = System.nanoTime() + wait.toNanos();
        boolean all = true;
        try {
            for (Thread thread : closing) {
                thread.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(until - System.nanoTime())));
                if (thread.isAlive()) {
                    all = false;
                    LOG.warn(
                            "{} still closing after {} ms; stopping without waiting for it",
                            thread.getName(),
                            wait.toMillis());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
        return all;
    }

    /**
     * Waits the time left for {@code streams} to close (after an earlier {@code close(Duration.ZERO)} it closes
     * alongside the other clients); if it has not, logs why and calls the exit with {@link #EXIT_STATUS}.
     *
     * @param name what this Kafka Streams is, for the log line
     * @param afterExit what becomes of its uncommitted work, for the log line
     * @return whether it closed in time (when the exit returns, as a test's does)
     */
    public boolean closeOrExit(KafkaStreams streams, String name, String afterExit) {
        if (streams.close(left())) {
            return true;
        }
        LOG.error(
                "{} still closing {} after the stop began (the broker does not answer?): exiting now (shutdown-timeout);"
                        + " {}",
                name,
                timeout,
                afterExit);
        exit.accept(EXIT_STATUS);
        return false;
    }

    private static void close(AutoCloseable client) {
        try {
            client.close();
        } catch (Exception e) {
            LOG.warn("closing {} failed", client, e);
        }
    }
}
