package dev.streamtune.inference.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.streamtune.inference.support.KafkaTestSupport;
import dev.streamtune.inference.support.ServiceHarness;
import dev.streamtune.inference.support.TestModels;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.common.errors.GroupIdNotFoundException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restarting instance starts its transactional producer while its model loads (the producer's start fences the
 * earlier incarnation and waits for the abort of what it left open, which need not wait for the model), but joins the
 * consumer group only once a model is in service, so that a replica without one takes no partitions. Before, the loop
 * opened both only after the model had loaded.
 */
@WithEmbeddedKafka(createTopics = false)
class StartWhileModelLoadsTest {

    private static final int INPUTS = 60;

    @TempDir
    Path tmp;

    @Test
    void shouldStartTheTransactionalProducerBeforeTheModelButJoinTheGroupOnlyAfter(EmbeddedKafkaBroker kafka)
            throws Exception {
        ClassifyLoop.Topics topics = KafkaTestSupport.freshTopics(kafka.admin(), "start-while-loading", 2, Map.of());
        Map<String, Object> client = kafka.clientProperties();
        KafkaTestSupport.send(client, KafkaTestSupport.numberedTexts(topics.texts(), INPUTS));
        Admin admin = kafka.admin();
        try (ServiceHarness service = new ServiceHarness(client, tmp, ServiceHarness.Options.small())) {
            ClassifyLoop.Settings settings = service.loopSettings(topics, 0.0);
            ClassifyLoop loop =
                    service.loop(KafkaClientFactory.standard(), settings).start();

            await().atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(200))
                    .until(() -> transaction(admin, settings.transactionalId()) != null);
            Thread.sleep(1_000); // time enough to join, had the loop subscribed
            assertThat(service.holder.isLoaded()).isFalse();
            assertThat(loop.isPolling()).isFalse();
            assertThat(members(admin, settings.groupId()))
                    .as("members of the group: no partitions taken without a model")
                    .isZero();

            service.holder.swap(service.loader.load(TestModels.publish(
                    service.store, service.workDir, TestModels.Spec.valid(ServiceHarness.MODEL, 1))));
            await().atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(300))
                    .until(() ->
                            KafkaTestSupport.keys(client, topics.predictions()).size() >= INPUTS);
            assertThat(loop.failure()).isEmpty();
            loop.close();
        }
        InstanceConflictTest.assertExactlyOnce(client, topics, INPUTS);
    }

    /** The coordinator's record of {@code transactionalId}; null while no producer has started with it. */
    private static TransactionDescription transaction(Admin admin, String transactionalId) throws Exception {
        try {
            return admin.describeTransactions(List.of(transactionalId))
                    .description(transactionalId)
                    .get(5, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            return null; // TransactionalIdNotFoundException: not started yet
        }
    }

    /** Members of {@code groupId}; 0 for a group that does not exist (yet). */
    private static int members(Admin admin, String groupId) throws Exception {
        try {
            ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(groupId))
                    .describedGroups()
                    .get(groupId)
                    .get(5, TimeUnit.SECONDS);
            return group.members().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof GroupIdNotFoundException) {
                return 0;
            }
            throw e;
        }
    }
}
