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
import org.apache.kafka.common.errors.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The loop's transactional producer cannot start at first, and then cannot read the output topics' partitions (the
 * broker does not answer within {@code max.block.ms}: a start during an outage): both are asked again, and the loop
 * serves once they answer. Before, the first timeout ended the
 * loop ("classify loop died"), so the liveness check restarted the pod for as long as the broker stayed away.
 */
@WithEmbeddedKafka(createTopics = false)
class ProducerStartTimeoutTest {

    private static final int INPUTS = 60;
    private static final int TIMEOUTS = 2;

    @TempDir
    Path tmp;

    @Test
    void shouldAskAgainWhenTheProducerCannotStartYet(EmbeddedKafkaBroker kafka) throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "producer-start", 2, Map.of());
        Map<String, Object> client = kafka.clientProperties();
        KafkaTestSupport.send(client, KafkaTestSupport.numberedTexts(topics.texts(), INPUTS));
        HookedClients clients = new HookedClients()
                .before("initTransactions", (call, inRebalance) -> {
                    if (call <= TIMEOUTS) {
                        throw new TimeoutException(
                                "injected: Timeout expired after 15000ms while awaiting InitProducerId");
                    }
                })
                .before("partitionsFor", (call, inRebalance) -> {
                    if (call <= TIMEOUTS) {
                        throw new TimeoutException("injected: Topic metadata not present after 15000 ms");
                    }
                });
        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small())) {
            service.holder.swap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            ClassifyLoop loop =
                    service.loop(clients, service.loopSettings(topics, 0.0)).start();

            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() >= INPUTS);
            assertThat(loop.failure()).as("the loop's failure").isEmpty();
            assertThat(loop.isAlive()).isTrue();
            assertThat(clients.calls("initTransactions")).isEqualTo(TIMEOUTS + 1);
            assertThat(clients.calls("partitionsFor"))
                    .as("asked again after timing out")
                    .isGreaterThan(TIMEOUTS);
            loop.close();
        }
        InstanceConflictTest.assertExactlyOnce(client, topics, INPUTS);
    }
}
