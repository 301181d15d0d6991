package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.inference.support.HookedClients;
import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A transaction fails and the loop rewinds to the committed offsets, but the coordinator does not answer the read of
 * those offsets in time (a broker outage, or offsets still pending behind the abort): the consumer's {@code committed}
 * throws a {@link TimeoutException}. The loop asks again instead of dying, and every input is predicted exactly once.
 * Before, the timeout escaped the loop: it died with the process still up.
 */
@WithEmbeddedKafka(createTopics = false)
class RewindTimeoutTest {

    private static final int INPUTS = 300;

    @TempDir
    Path tmp;

    @Test
    void shouldAskForTheCommittedOffsetsAgainWhenTheReadTimesOut(EmbeddedKafkaBroker kafka) throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "rewind-timeout", 2, Map.of());
        Map<String, Object> client = kafka.clientProperties();
        KafkaTestSupport.send(client, KafkaTestSupport.numberedTexts(topics.texts(), INPUTS));

        HookedClients clients = new HookedClients()
                .before("commitTransaction", (call, inRebalance) -> {
                    if (call == 2) {
                        throw new KafkaException("injected: the second commit fails, so the loop rewinds");
                    }
                })
                .beforeConsumer("committed", (call, inRebalance) -> {
                    if (call <= 2) {
                        throw new TimeoutException("injected: the coordinator did not answer in time");
                    }
                });
        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small())) {
            service.holder.swap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            ClassifyLoop loop =
                    service.loop(clients, service.loopSettings(topics, 0.0)).start();

            await().atMost(Duration.ofSeconds(90))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> !loop.isAlive()
                            || KafkaTestSupport.keys(client, topics.predictions())
                                            .size()
                                    >= INPUTS);
            Thread.sleep(500); // a duplicate would have had time to show up

            assertThat(loop.failure()).as("the loop's failure").isEmpty();
            assertThat(loop.isAlive()).isTrue();
            assertThat(clients.consumerCalls("committed"))
                    .as("the read that timed out twice was asked again")
                    .isGreaterThanOrEqualTo(3);
            assertThat(service.metrics
                            .registry()
                            .counter("streamtune.inference.consumer.rewind-retries")
                            .count())
                    .isEqualTo(2.0);
            loop.close();
        }
        InstanceConflictTest.assertExactlyOnce(client, topics, INPUTS);
    }
}
