package dev.streamtune.trainer.kafka;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.IntSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.jboss.logging.Logger;

/** A topic's partition count, asked of the cluster until it first answers, then remembered; 0 while unknown. */
public final class PartitionCount implements IntSupplier {

    private static final Logger LOG = Logger.getLogger(PartitionCount.class);

    private final String topic;
    private final Map<String, Object> clientConfig;
    private volatile int count;

    public PartitionCount(String topic, Map<String, Object> clientConfig) {
        this.topic = topic;
        this.clientConfig = Map.copyOf(clientConfig);
    }

    @Override
    public int getAsInt() {
        if (count == 0) {
            count = ask();
        }
        return count;
    }

    private int ask() {
        try (Admin admin = Admin.create(clientConfig)) {
            return admin.describeTopics(List.of(topic))
                    .allTopicNames()
                    .get(10, TimeUnit.SECONDS)
                    .get(topic)
                    .partitions()
                    .size();
        } catch (ExecutionException | TimeoutException | RuntimeException e) {
            LOG.warnf("Cannot learn the partitions of %s yet: %s", topic, e.toString());
            return 0;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 0;
        }
    }
}
