package dev.streamtune.trainer.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.kafka.ShutdownDeadline;
import dev.streamtune.kafka.process.KafkaProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The last step of both services' stop, on a real Kafka Streams against a real broker (a child process): a stream
 * thread that does not come back (as one sitting in a commit against a broker that does not answer) makes the stop
 * exit with its status at the deadline, instead of waiting without a bound as Quarkus' own close does; a Kafka Streams
 * that closes in time does not.
 */
class ShutdownDeadlineStreamsTest {

    @Test
    void shouldExitAtTheDeadlineWhileAStreamThreadDoesNotComeBack(@TempDir Path data) throws Exception {
        try (KafkaProcess broker = KafkaProcess.start(data)) {
            CountDownLatch entered = new CountDownLatch(1);
            CountDownLatch release = new CountDownLatch(1);
            KafkaStreams streams = startedOnOneText(broker, "stuck", entered, () -> awaitUninterruptibly(release));
            try {
                List<Integer> exits = new CopyOnWriteArrayList<>();
                ShutdownDeadline deadline = new ShutdownDeadline(Duration.ofSeconds(2), exits::add);
                streams.close(Duration.ZERO);
                long start = System.nanoTime();
                boolean closed = deadline.closeOrExit(streams, "Kafka Streams", "read again after the restart");
                Duration took = Duration.ofNanos(System.nanoTime() - start);

                assertThat(closed).isFalse();
                assertThat(exits).containsExactly(ShutdownDeadline.EXIT_STATUS);
                assertThat(took).isLessThan(Duration.ofSeconds(15));
            } finally {
                release.countDown();
                streams.close(Duration.ofSeconds(60));
            }
        }
    }

    @Test
    void shouldNotExitWhenKafkaStreamsClosesInTime(@TempDir Path data) throws Exception {
        try (KafkaProcess broker = KafkaProcess.start(data)) {
            KafkaStreams streams = startedOnOneText(broker, "closing", new CountDownLatch(1), () -> {});
            List<Integer> exits = new CopyOnWriteArrayList<>();
            ShutdownDeadline deadline = new ShutdownDeadline(Duration.ofSeconds(30), exits::add);
            streams.close(Duration.ZERO);

            assertThat(deadline.closeOrExit(streams, "Kafka Streams", "read again after the restart"))
                    .isTrue();
            assertThat(exits).isEmpty();
            await().atMost(Duration.ofSeconds(5)).until(() -> streams.state() == KafkaStreams.State.NOT_RUNNING);
        }
    }

    /**
     * A started exactly-once Kafka Streams whose processor counts {@code reached} down and then runs {@code then} for
     * each text, once a first text has reached it.
     */
    private static KafkaStreams startedOnOneText(KafkaProcess broker, String id, CountDownLatch reached, Runnable then)
            throws Exception {
        createTopics(broker, "in");
        KafkaStreams streams = streams(broker, id, value -> {
            reached.countDown();
            then.run();
        });
        streams.start();
        send(broker, "in", "a text");
        assertThat(reached.await(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        return streams;
    }

    private static KafkaStreams streams(KafkaProcess broker, String id, java.util.function.Consumer<String> each) {
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream("in", Consumed.with(Serdes.String(), Serdes.String()))
                .foreach((key, value) -> each.accept(value));
        Properties props = new Properties();
        props.putAll(broker.clientProperties());
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "deadline-" + id);
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
        props.put(
                StreamsConfig.STATE_DIR_CONFIG,
                broker.dataDir().resolve("streams-" + id).toString());
        props.put(StreamsConfig.consumerPrefix("auto.offset.reset"), "earliest");
        return new KafkaStreams(builder.build(), props);
    }

    private static void createTopics(KafkaProcess broker, String... topics) throws Exception {
        try (Admin admin = Admin.create(broker.clientProperties())) {
            admin.createTopics(java.util.Arrays.stream(topics)
                            .map(t -> new NewTopic(t, 1, (short) 1))
                            .toList())
                    .all()
                    .get();
        }
    }

    private static void send(KafkaProcess broker, String topic, String value) throws Exception {
        Map<String, Object> config = new HashMap<>(broker.clientProperties());
        try (KafkaProducer<String, String> producer =
                new KafkaProducer<>(config, new StringSerializer(), new StringSerializer())) {
            producer.send(new ProducerRecord<>(topic, "k", value)).get();
        }
    }

    /** As a thread blocked in a network call: an interrupt does not bring it back. */
    private static void awaitUninterruptibly(CountDownLatch latch) {
        boolean interrupted = false;
        while (true) {
            try {
                latch.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
