package dev.streamtune.common.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** The clients of a stopping service close in parallel, and the stop waits for them no longer than the time left. */
class ShutdownDeadlineTest {

    @Test
    void shouldCloseClientsInParallelAndWaitNoLongerThanTheTimeLeft() throws Exception {
        ShutdownDeadline deadline = new ShutdownDeadline(Duration.ofSeconds(1), status -> {});
        CountDownLatch release = new CountDownLatch(1);
        AtomicBoolean quickClosed = new AtomicBoolean();
        AutoCloseable stuck = release::await; // a close waiting on a broker that does not answer
        AutoCloseable quick = () -> quickClosed.set(true);

        long start = System.nanoTime();
        boolean all = deadline.closeAll(Duration.ofSeconds(30), stuck, null, quick);
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        release.countDown();

        assertThat(all).isFalse();
        assertThat(quickClosed).isTrue(); // not queued behind the stuck one
        // cut to the 1 s left, not the 30 s asked for (a loaded machine adds scheduling, not half a minute)
        assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(10));
        assertThat(deadline.left()).isEqualTo(Duration.ZERO);
    }

    @Test
    void shouldWaitForEveryClientWhenTheyCloseInTime() {
        ShutdownDeadline deadline = new ShutdownDeadline(Duration.ofSeconds(30), status -> {});
        AtomicBoolean slowClosed = new AtomicBoolean();
        AutoCloseable slow = () -> {
            Thread.sleep(300);
            slowClosed.set(true);
        };
        AutoCloseable failing = () -> {
            throw new IllegalStateException("already closed");
        };

        assertThat(deadline.closeAll(Duration.ofSeconds(10), slow, failing)).isTrue();
        assertThat(slowClosed).isTrue();
        assertThat(deadline.left()).isGreaterThan(Duration.ofSeconds(20));
    }
}
