package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.LoadGenerator;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two instances configured with the same name: the older one, fenced by the newer, stops with a message saying what to
 * fix instead of fencing the newer one back; the newer one goes on, exactly once.
 */
@WithEmbeddedKafka(createTopics = false)
class InstanceConflictTest {

    @TempDir
    Path tmp;

    @Test
    void shouldStopTheFencedInstanceWithAClearMessageInsteadOfFencingBack(EmbeddedKafkaBroker kafka) throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "fencing", 2, Map.of());
        Map<String, Object> client = kafka.clientProperties();
        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small());
                LoadGenerator load = new LoadGenerator(client, topics.texts(), 150)) {
            service.holder.swap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            ClassifyLoop.Settings settings = service.loopSettings(topics, 0.0); // one transactional id for both
            load.start();
            ClassifyLoop first =
                    service.loop(KafkaClientFactory.standard(), settings).start();
            await().atMost(Duration.ofSeconds(30))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() > 50);
            ClassifyLoop second =
                    service.loop(KafkaClientFactory.standard(), settings).start();

            // the older one stops, whichever exception its transaction meets: ProducerFencedException, or
            // InvalidTxnStateException when the newer one's initTransactions aborted it on the way (then the
            // coordinator's record says the id was taken over; TransactionTakeOverTest forces that race)
            await().atMost(Duration.ofSeconds(60)).until(() -> !first.isAlive());
            ClassifyLoop survivor = second;
            assertThat(first.failure())
                    .get()
                    .isInstanceOf(SinkFatalException.class)
                    .satisfies(
                            e -> assertThat(e.getMessage()).contains("fenced").contains("streamtune.instance"));
            load.close();
            await().atMost(Duration.ofSeconds(60))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() >= load.sent());
            Thread.sleep(500);
            assertThat(survivor.isAlive()).as("the other instance goes on").isTrue();
            assertThat(survivor.failure()).isEmpty();
            survivor.close();
            assertExactlyOnce(client, topics, load.sent());
        }
    }

    @Test
    void shouldStopAStaticMemberWhoseInstanceIdAnotherMemberTook(EmbeddedKafkaBroker kafka) throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "static-conflict", 2, Map.of());
        Map<String, Object> client = kafka.clientProperties();
        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small())) {
            service.holder.swap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            ClassifyLoop.Settings base = service.loopSettings(topics, 0.0);
            ClassifyLoop first = service.loop(KafkaClientFactory.standard(), withInstance(base, "a", "same"))
                    .start();
            await().atMost(Duration.ofSeconds(30)).until(first::hasJoined);
            ClassifyLoop second = service.loop(KafkaClientFactory.standard(), withInstance(base, "b", "same"))
                    .start();

            await().atMost(Duration.ofSeconds(60)).until(() -> !first.isAlive() || !second.isAlive());
            ClassifyLoop fenced = first.isAlive() ? second : first;
            assertThat(fenced.failure()).get().satisfies(e -> assertThat(e.getMessage())
                    .contains("instance id same")
                    .contains("streamtune.instance"));
        }
    }

    private static ClassifyLoop.Settings withInstance(ClassifyLoop.Settings base, String name, String instanceId) {
        return new ClassifyLoop.Settings(
                base.topics(),
                base.groupId(),
                base.transactionalId() + "-" + name,
                Optional.of(instanceId),
                base.maxRecords(),
                base.maxWait(),
                base.pollTimeout(),
                base.reviewThreshold(),
                base.transactionTimeout(),
                base.batchTimeout(),
                base.deadLetterMaxBytes(),
                base.leaveGroupOnClose());
    }

    static void assertExactlyOnce(Map<String, Object> client, ClassifyLoop.Topics topics, int sent) {
        Map<String, Long> perKey = KafkaTestSupport.keys(client, topics.predictions()).stream()
                .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
        assertThat(perKey).hasSize(sent).allSatisfy((key, n) -> assertThat(n)
                .as("predictions for %s", key)
                .isEqualTo(1L));
    }
}
