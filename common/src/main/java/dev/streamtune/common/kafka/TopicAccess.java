package dev.streamtune.common.kafka;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which of a service's topics its Kafka user may not describe. A Kafka Streams application told to wait for its source
 * topics (Quarkus' {@code quarkus.kafka-streams.topics}) lists the topics it can see: one its user has no ACL for looks
 * like one that does not exist yet, and the application waits for it forever, saying only that it waits for the topic
 * to be created. Describing the topics at start-up tells the two apart and says which ACL is missing.
 */
public final class TopicAccess {

    /** What describing the topics found: not authorized, missing (the operator has not created them yet). */
    public record Report(Set<String> unauthorized, Set<String> missing) {

        public boolean ok() {
            return unauthorized.isEmpty() && missing.isEmpty();
        }
    }

    private TopicAccess() {}

    /**
     * Describes each topic as the client settings' user (only the admin client's keys are used); a topic whose
     * description times out or fails otherwise is not reported.
     */
    public static Report check(Map<String, Object> clientConfig, Collection<String> topics, Duration timeout)
            throws InterruptedException {
        Set<String> unauthorized = new TreeSet<>();
        Set<String> missing = new TreeSet<>();
        Map<String, Object> config = new HashMap<>(clientConfig);
        config.keySet().retainAll(AdminClientConfig.configNames());
        config.putIfAbsent(AdminClientConfig.CLIENT_ID_CONFIG, "streamtune-topic-access");
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(config)) {
            Map<String, KafkaFuture<TopicDescription>> futures = admin.describeTopics(
                            List.copyOf(new LinkedHashSet<>(topics)))
                    .topicNameValues();
            for (Map.Entry<String, KafkaFuture<TopicDescription>> f : futures.entrySet()) {
                try {
                    f.getValue().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof TopicAuthorizationException) {
                        unauthorized.add(f.getKey());
                    } else if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                        missing.add(f.getKey());
                    }
                } catch (TimeoutException e) {
                    // the broker is not reachable yet: the clients will say so themselves
                }
            }
        }
        return new Report(Set.copyOf(unauthorized), Set.copyOf(missing));
    }

    /**
     * {@link #checkAndLog} on a daemon thread: start-up does not wait for the broker. Logged under {@code caller}'s
     * name, so a service needs no particular logging facade to call it.
     */
    public static void checkAndLogInBackground(
            Class<?> caller, String service, Map<String, Object> clientConfig, Collection<String> topics) {
        Logger log = LoggerFactory.getLogger(caller);
        Map<String, Object> config = new HashMap<>(clientConfig);
        List<String> names = List.copyOf(topics);
        Thread thread = new Thread(() -> checkAndLog(log, service, config, names), service + "-topic-access");
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * Checks the topics and logs an error naming those the user may not describe (and a warning for missing ones);
     * never throws: the check only explains what the clients will do.
     */
    public static Report checkAndLog(
            Logger log, String service, Map<String, Object> clientConfig, Collection<String> topics) {
        try {
            Report report = check(clientConfig, topics, Duration.ofSeconds(30));
            if (!report.unauthorized().isEmpty()) {
                log.error(
                        "{}: not authorized to describe topics {}: its Kafka user has no ACL for them (Read or Write),"
                                + " and its clients will wait for them or fail; grant them in its KafkaUser",
                        service,
                        report.unauthorized());
            }
            if (!report.missing().isEmpty()) {
                log.warn("{}: topics {} do not exist (yet): the operator creates them", service, report.missing());
            }
            return report;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Report(Set.of(), Set.of());
        } catch (RuntimeException e) {
            log.warn("{}: cannot check access to topics {}: {}", service, topics, e.toString());
            return new Report(Set.of(), Set.of());
        }
    }
}
