package dev.streamtune.trainer.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.ErrorEvent;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.trainer.support.BrokerProcess;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Monitoring is never fatal to a run and never holds it up: an event that cannot be sent (no broker to be reached, the
 * sink closed by a shutdown under a running run) is dropped with a warning, quickly and without an exception.
 */
class KafkaMonitoringSinkTest {

    @Test
    void shouldNotHoldARunUpWhenNoBrokerCanBeReached() throws Exception {
        var nowhere = Map.<String, Object>of("bootstrap.servers", "127.0.0.1:" + BrokerProcess.freePort());
        try (var sink = new KafkaMonitoringSink(StreamtuneTopics.MONITORING_NAME, nowhere)) {
            long start = System.nanoTime();
            sink.emit(event());
            sink.emit(event());

            // the producer's default would have waited a minute for the topic's metadata on each
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
        }
    }

    @Test
    void shouldDropEventsEmittedAfterClose() {
        var sink =
                new KafkaMonitoringSink(StreamtuneTopics.MONITORING_NAME, Map.of("bootstrap.servers", "127.0.0.1:9"));
        sink.close();

        sink.emit(event()); // a run still reporting while the trainer shuts down
    }

    private static ErrorEvent event() {
        return new ErrorEvent(SchemaVersions.CURRENT, "m", "test", Instant.now(), null, "training", "test event");
    }
}
