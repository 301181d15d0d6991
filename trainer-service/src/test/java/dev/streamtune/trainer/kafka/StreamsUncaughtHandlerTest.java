package dev.streamtune.trainer.kafka;

import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.REPLACE_THREAD;
import static org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.apache.kafka.common.errors.FencedInstanceIdException;
import org.apache.kafka.streams.errors.StreamsException;
import org.junit.jupiter.api.Test;

/** A dying stream thread is replaced a few times, not forever; a fenced one is not replaced at all. */
class StreamsUncaughtHandlerTest {

    private final MutableClock clock = new MutableClock();
    private final StreamsErrorHandlers.Uncaught handler =
            new StreamsErrorHandlers.Uncaught(3, Duration.ofMinutes(10), clock);

    @Test
    void shouldShutDownInsteadOfReplacingAThreadThatKeepsDying() {
        for (int i = 0; i < 3; i++) {
            assertThat(handler.handle(new StreamsException("production failed")))
                    .isEqualTo(REPLACE_THREAD);
            clock.advance(Duration.ofMinutes(1));
        }

        assertThat(handler.handle(new StreamsException("production failed"))).isEqualTo(SHUTDOWN_CLIENT);
    }

    @Test
    void shouldReplaceAgainOnceEarlierDeathsAreOutOfTheWindow() {
        for (int i = 0; i < 3; i++) {
            handler.handle(new StreamsException("production failed"));
        }
        clock.advance(Duration.ofMinutes(11));

        assertThat(handler.handle(new StreamsException("production failed"))).isEqualTo(REPLACE_THREAD);
    }

    @Test
    void shouldShutDownAtOnceWhenAnotherInstanceFencedThisOne() {
        assertThat(handler.handle(new StreamsException(new FencedInstanceIdException("trainer-0-1 is in use"))))
                .isEqualTo(SHUTDOWN_CLIENT);
    }

    private static final class MutableClock extends Clock {
        private Instant now = Instant.parse("2026-01-01T00:00:00Z");

        void advance(Duration d) {
            now = now.plus(d);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
