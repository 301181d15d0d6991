package dev.streamtune.kafka;

import dev.streamtune.common.topic.Topic;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicExistsException;

/** Creates catalogue topics where missing, with the broker's default partitions and replication. */
public final class TopicCreation {

    private TopicCreation() {}

    /**
     * Creates the given topics with their {@link Topic#creationConfigs()}; topics that already exist are left as they
     * are. Returns the names it created once every partition of every given topic has a leader.
     */
    public static List<String> createMissing(Admin admin, Collection<? extends Topic<?, ?>> topics, Duration timeout) {
        List<NewTopic> requests = topics.stream()
                .map(t -> new NewTopic(t.name(), Optional.empty(), Optional.empty()).configs(t.creationConfigs()))
                .toList();
        var created = new ArrayList<String>();
        admin.createTopics(requests).values().forEach((name, future) -> {
            try {
                await(future, timeout);
                created.add(name);
            } catch (EmbeddedKafkaException e) {
                if (!(e.getCause() instanceof TopicExistsException)) {
                    throw new EmbeddedKafkaException("cannot create topic " + name, e.getCause());
                }
            }
        });
        awaitLeaders(admin, topics.stream().map(Topic::name).toList(), timeout);
        return created;
    }

    /**
     * Waits until every partition of the named topics has a leader: a producer that sends to a topic before that can
     * have its first batches refused and, idempotent, retry them out of order until they expire.
     */
    public static void awaitLeaders(Admin admin, List<String> names, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            boolean ready;
            try {
                ready = await(admin.describeTopics(names).allTopicNames(), timeout).values().stream()
                        .flatMap(d -> d.partitions().stream())
                        .allMatch(p -> p.leader() != null && !p.leader().isEmpty());
            } catch (EmbeddedKafkaException e) {
                // a topic just created may not be in the metadata the broker answers from yet
                if (!(e.getCause() instanceof org.apache.kafka.common.errors.UnknownTopicOrPartitionException)) {
                    throw e;
                }
                ready = false;
            }
            if (ready) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new EmbeddedKafkaException("topics have no leader after " + timeout + ": " + names);
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedKafkaException("interrupted while waiting for topic leaders", e);
            }
        }
    }

    private static <T> T await(KafkaFuture<T> future, Duration timeout) {
        try {
            return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new EmbeddedKafkaException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new EmbeddedKafkaException("the broker did not answer within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for the broker", e);
        }
    }
}
