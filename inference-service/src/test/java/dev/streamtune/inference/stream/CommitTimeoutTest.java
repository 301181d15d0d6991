package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.inference.support.HookedClients;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The broker goes away just as the classify loop commits, and comes back 20 s later on the same ports and data: the
 * commit times out (a real {@code TimeoutException} from the real producer), is retried as the same commit, and the
 * stream goes on with every input predicted exactly once. Before, the loop aborted, the producer refused the abort
 * until the commit was retried, and the loop retried something else forever.
 */
class CommitTimeoutTest {

    private static final int INPUTS = 600;

    @TempDir
    Path tmp;

    private final AtomicReference<EmbeddedKafkaBroker> broker = new AtomicReference<>();

    @AfterEach
    void tearDown() {
        EmbeddedKafkaBroker b = broker.get();
        if (b != null) {
            b.close();
        }
    }

    @Test
    void shouldRetryACommitThatTimedOutInABrokerOutageAndPredictEveryInputExactlyOnce() throws Exception {
        int port = freePort();
        int controllerPort = freePort();
        Path data = tmp.resolve("kafka");
        broker.set(start(port, controllerPort, data));
        Map<String, Object> client = broker.get().clientProperties();
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(broker.get().admin(), "outage", 2, Map.of());
        List<ProducerRecord<byte[], byte[]>> inputs = new ArrayList<>();
        for (int i = 0; i < INPUTS; i++) {
            inputs.add(new ProducerRecord<>(
                    topics.texts(),
                    ("t" + i).getBytes(StandardCharsets.UTF_8),
                    ("text number " + i + " " + "words ".repeat(i % 11)).getBytes(StandardCharsets.UTF_8)));
        }
        KafkaTestSupport.send(client, inputs);

        Thread restart = new Thread(() -> {
            sleep(20_000);
            broker.set(start(port, controllerPort, data));
        });
        HookedClients clients = new HookedClients().before("commitTransaction", (call, inRebalance) -> {
            if (call == 3) {
                broker.getAndSet(null).close(); // gone while the third transaction commits
                restart.start();
            }
        });
        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small())) {
            service.holder.swap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            ClassifyLoop.Settings base = service.loopSettings(topics, 0.0);
            ClassifyLoop.Settings settings = new ClassifyLoop.Settings(
                    topics,
                    base.groupId(),
                    base.transactionalId(),
                    base.groupInstanceId(),
                    base.maxRecords(),
                    base.maxWait(),
                    base.pollTimeout(),
                    base.reviewThreshold(),
                    Duration.ofMinutes(2), // outlives the outage: the retried commit can complete
                    base.batchTimeout(),
                    DeadLetters.DEFAULT_MAX_BYTES,
                    true);
            ClassifyLoop loop = service.loop(clients, settings).start();

            await().atMost(Duration.ofSeconds(150))
                    .pollInterval(Duration.ofSeconds(1))
                    .until(() -> broker.get() != null
                            && KafkaTestSupport.keys(client, topics.predictions())
                                            .size()
                                    >= INPUTS);
            Thread.sleep(500); // a duplicate would have had time to show up

            assertThat(loop.failure()).isEmpty();
            assertThat(loop.isAlive()).isTrue();
            assertThat(service.metrics
                            .registry()
                            .counter("streamtune.inference.producer.recoveries", "action", "commit-retry")
                            .count())
                    .as("the timed-out commit was retried as the same commit")
                    .isGreaterThanOrEqualTo(1.0);
            loop.close();
        }
        Map<String, Long> perKey = KafkaTestSupport.keys(client, topics.predictions()).stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(perKey).hasSize(INPUTS).allSatisfy((key, n) -> assertThat(n)
                .as("predictions for %s", key)
                .isEqualTo(1L));
    }

    private static EmbeddedKafkaBroker start(int port, int controllerPort, Path data) {
        return EmbeddedKafkaBroker.builder()
                .optPort(port)
                .optControllerPort(controllerPort)
                .optDataDir(data)
                .optCreateTopics(false)
                .start();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
