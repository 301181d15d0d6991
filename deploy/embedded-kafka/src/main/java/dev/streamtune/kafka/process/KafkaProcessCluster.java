package dev.streamtune.kafka.process;

import dev.streamtune.common.topic.Topic;
import dev.streamtune.kafka.EmbeddedKafkaException;
import dev.streamtune.kafka.TopicCreation;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.DescribeTransactionsOptions;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.utils.Utils;

/**
 * A Kafka cluster of N KRaft nodes (3 by default), each a {@link KafkaProcess} child JVM that is both broker and
 * controller, forming a static quorum of N voters, with the durability settings of a production cluster
 * ({@link #durabilitySettings(int)}: replication factor 3, min.insync.replicas 2 for topics and for the offsets and
 * transaction logs). Nodes can be killed, paused, stopped and started one by one while clients keep running.
 *
 * <h2>API</h2>
 *
 * <ul>
 *   <li>{@link #start(Path, int)} (or {@link #builder()} … {@link Builder#start()}): every node started and ready
 *   <li>{@link #bootstrapServers()}, {@link #clientProperties()}: every node, for clients; {@link #admin()}: a shared
 *       Admin; {@link #createTopics(Collection)}
 *   <li>{@link #transactionCoordinator(String)}, {@link #groupCoordinator(String)}, {@link #leader(String, int)}: node
 *       ids, as the cluster sees them now
 *   <li>{@link #kill(int)} (SIGKILL), {@link #stop(int)} (SIGTERM), {@link #pause(int)} / {@link #resume(int)}
 *       (SIGSTOP / SIGCONT), {@link #start(int)} (same ports and data, waits until ready); {@link #node(int)} for its
 *       pid and log
 *   <li>{@link #awaitIsr(String, int, Duration)} for one topic, {@link #awaitAllPartitionsHaveIsr(int, Duration)} for
 *       every topic, internal ones included: a restarted node has caught up
 *   <li>{@link #close()}: kills every node, deletes a temporary data directory
 * </ul>
 *
 * <p>The internal topics keep the standalone broker's single partition, so one broker coordinates every transaction
 * and every group: {@link #transactionCoordinator(String)} and {@link #groupCoordinator(String)} say which.
 *
 * <p>Failover: a killed or paused node is fenced after {@code broker.session.timeout.ms} ({@link
 * KafkaProcess#QUICK_SESSION_SETTINGS}: 4 s), then its partitions and coordinators move; a transactional producer
 * sees its commit time out (retry it: it is the same commit) and complete through the new coordinator some 5-10 s
 * after the kill on a 2-core machine. No node outlives the JVM that started it (see {@link KafkaProcess}).
 *
 * <p>Another module's tests use it with a {@code test}-scoped dependency on {@code
 * dev.streamtune:streamtune-embedded-kafka} (the main jar; no test-jar).
 *
 * <pre>{@code
 * try (var cluster = KafkaProcessCluster.start(tempDir, 3)) {
 *     // ... a transactional producer on cluster.clientProperties() has committed once ...
 *     int coordinator = cluster.transactionCoordinator("my-tx");
 *     cluster.kill(coordinator);
 *     // ... the producer's commits go on through a new coordinator ...
 *     cluster.start(coordinator);
 *     cluster.awaitIsr("my-topic", 3, Duration.ofSeconds(60));
 * }
 * }</pre>
 */
public final class KafkaProcessCluster implements AutoCloseable {

    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(60);
    private static final int ATTEMPT_MILLIS = 5000;

    private final List<KafkaProcess> nodes;
    private final String clusterId;
    private final Path dataDir;
    private final boolean temporaryDataDir;
    private final Admin admin;

    private KafkaProcessCluster(List<KafkaProcess> nodes, String clusterId, Path dataDir, boolean temporaryDataDir) {
        this.nodes = List.copyOf(nodes);
        this.clusterId = clusterId;
        this.dataDir = dataDir;
        this.temporaryDataDir = temporaryDataDir;
        this.admin = Admin.create(Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                bootstrapServers(),
                AdminClientConfig.CLIENT_ID_CONFIG,
                "streamtune-kafka-cluster-admin",
                // a paused node must not hold a request for the default 30 s
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG,
                "5000",
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG,
                Long.toString(ADMIN_TIMEOUT.toMillis())));
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * A cluster of {@code nodes} nodes with its data in {@code dataDir} (a {@code node-N} directory per node, formatted
     * on the first start, kept after close), free ports, no Streamtune topics, started and ready. For other settings
     * use {@link #builder()}.
     */
    public static KafkaProcessCluster start(Path dataDir, int nodes) {
        return builder().optDataDir(dataDir).optNodes(nodes).start();
    }

    /**
     * The settings that make a cluster of {@code nodes} brokers durable: replication factor {@code min(nodes, 3)}
     * and, when replicated, min.insync.replicas one less, for new topics and for the offsets, transaction and share
     * state logs.
     */
    public static Map<String, String> durabilitySettings(int nodes) {
        String replication = Integer.toString(Math.min(nodes, 3));
        String minIsr = Integer.toString(Math.max(1, Math.min(nodes, 3) - 1));
        var settings = new LinkedHashMap<String, String>();
        settings.put("default.replication.factor", replication);
        settings.put("min.insync.replicas", minIsr);
        settings.put("offsets.topic.replication.factor", replication);
        settings.put("transaction.state.log.replication.factor", replication);
        settings.put("transaction.state.log.min.isr", minIsr);
        settings.put("share.coordinator.state.topic.replication.factor", replication);
        settings.put("share.coordinator.state.topic.min.isr", minIsr);
        return settings;
    }

    /** Every node's {@code host:port}, comma-separated. */
    public String bootstrapServers() {
        return nodes.stream().map(KafkaProcess::bootstrapServers).collect(Collectors.joining(","));
    }

    /** Client settings for the cluster: add serializers, group id and the like. */
    public Map<String, Object> clientProperties() {
        return new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    public String clusterId() {
        return clusterId;
    }

    /** Node ids 1..N. */
    public List<Integer> nodeIds() {
        return nodes.stream().map(KafkaProcess::nodeId).toList();
    }

    /** The node with this id, for its pid, log and state. */
    public KafkaProcess node(int nodeId) {
        if (nodeId < 1 || nodeId > nodes.size()) {
            throw new IllegalArgumentException("no node " + nodeId + " in " + nodeIds());
        }
        return nodes.get(nodeId - 1);
    }

    public List<KafkaProcess> nodes() {
        return nodes;
    }

    /** SIGKILL to one node; returns once it has exited. */
    public void kill(int nodeId) {
        node(nodeId).kill();
    }

    /** Starts a stopped or killed node on its ports and data, and waits until it is ready. */
    public void start(int nodeId) {
        KafkaProcess node = node(nodeId);
        node.start();
        node.awaitReady();
    }

    /** Stops one node cleanly (SIGTERM). */
    public void stop(int nodeId) {
        node(nodeId).stop();
    }

    /** Freezes one node (SIGSTOP). */
    public void pause(int nodeId) {
        node(nodeId).pause();
    }

    /** Lets a paused node run on (SIGCONT). */
    public void resume(int nodeId) {
        node(nodeId).resume();
    }

    /** Stops every running node cleanly, all at once (one by one, the last would wait for a lost quorum). */
    public void stopAll() {
        var failures = new ArrayList<RuntimeException>();
        nodes.parallelStream().forEach(node -> {
            try {
                node.stop();
            } catch (RuntimeException e) {
                synchronized (failures) {
                    failures.add(e);
                }
            }
        });
        if (!failures.isEmpty()) {
            var failure = new EmbeddedKafkaException("not every node stopped cleanly");
            failures.forEach(failure::addSuppressed);
            throw failure;
        }
    }

    /** A shared Admin client, closed with the cluster: do not close it. */
    public Admin admin() {
        return admin;
    }

    /** Creates topics (with the cluster's replication) where missing; returns once every partition has a leader. */
    public List<String> createTopics(Collection<? extends Topic<?, ?>> topics) {
        return TopicCreation.createMissing(admin, topics, ADMIN_TIMEOUT);
    }

    /**
     * The node coordinating this transactional id now (the id must have been initialised by a producer). While the
     * coordinator is down this waits (up to 60 s) until another node takes over.
     */
    public int transactionCoordinator(String transactionalId) {
        return retrying(() -> admin.describeTransactions(
                                List.of(transactionalId), new DescribeTransactionsOptions().timeoutMs(ATTEMPT_MILLIS))
                        .description(transactionalId))
                .coordinatorId();
    }

    /**
     * The node coordinating this consumer group now (the group must exist). While the coordinator is down this waits
     * (up to 60 s) until another node takes over.
     */
    public int groupCoordinator(String groupId) {
        return retrying(() -> admin.describeConsumerGroups(
                                List.of(groupId), new DescribeConsumerGroupsOptions().timeoutMs(ATTEMPT_MILLIS))
                        .describedGroups()
                        .get(groupId))
                .coordinator()
                .id();
    }

    /** The node leading a partition now; empty while it has none. */
    public Optional<Integer> leader(String topic, int partition) {
        TopicDescription description =
                await(admin.describeTopics(List.of(topic)).allTopicNames()).get(topic);
        Optional<TopicPartitionInfo> info = description.partitions().stream()
                .filter(p -> p.partition() == partition)
                .findFirst();
        return info.map(TopicPartitionInfo::leader)
                .filter(leader -> leader != null && !leader.isEmpty())
                .map(leader -> leader.id());
    }

    /**
     * Waits until every partition of {@code topic} has a leader and at least {@code minIsr} in-sync replicas.
     *
     * @throws EmbeddedKafkaException listing the partitions still short when {@code timeout} has passed
     */
    public void awaitIsr(String topic, int minIsr, Duration timeout) {
        awaitIsrOf(List.of(topic), minIsr, timeout);
    }

    /**
     * Waits until every partition of every topic, internal ones included, has a leader and at least {@code minIsr}
     * in-sync replicas: after a node comes back, {@code awaitAllPartitionsHaveIsr(3, ...)} says it has caught up.
     *
     * @throws EmbeddedKafkaException listing the partitions still short when {@code timeout} has passed
     */
    public void awaitAllPartitionsHaveIsr(int minIsr, Duration timeout) {
        awaitIsrOf(null, minIsr, timeout);
    }

    // topics null: every topic, internal ones included
    private void awaitIsrOf(Collection<String> topics, int minIsr, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            List<String> lagging;
            try {
                lagging = partitionsShortOfIsr(topics, minIsr);
            } catch (EmbeddedKafkaException e) {
                // a topic not yet known to every broker, a node just gone: ask again
                lagging = List.of(String.valueOf(e.getMessage()));
            }
            if (lagging.isEmpty()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new EmbeddedKafkaException(
                        "partitions with fewer than " + minIsr + " in-sync replicas after " + timeout + ": " + lagging);
            }
            sleep(200);
        }
    }

    /** Kills every node; deletes the data directory if the builder created a temporary one. */
    @Override
    public void close() {
        admin.close(Duration.ZERO);
        nodes.parallelStream().forEach(KafkaProcess::kill);
        nodes.forEach(KafkaProcess::close);
        if (temporaryDataDir) {
            try {
                Utils.delete(dataDir.toFile());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + dataDir, e);
            }
        }
    }

    @Override
    public String toString() {
        return "KafkaProcessCluster[" + clusterId + ", " + nodes + "]";
    }

    private List<String> partitionsShortOfIsr(Collection<String> topics, int minIsr) {
        Collection<String> names = topics != null
                ? topics
                : await(admin.listTopics(new ListTopicsOptions().listInternal(true))
                        .names());
        var lagging = new ArrayList<String>();
        await(admin.describeTopics(names).allTopicNames()).forEach((topic, description) -> {
            for (TopicPartitionInfo p : description.partitions()) {
                if (p.leader() == null || p.leader().isEmpty() || p.isr().size() < minIsr) {
                    lagging.add(topic + "-" + p.partition() + " isr "
                            + p.isr().stream().map(n -> n.id()).toList());
                }
            }
        });
        return lagging;
    }

    /**
     * Asks again, in a new call, when one times out or fails retriably. Seen here: one describe call made right after
     * the coordinator was killed got no answer in its whole 60 s, while 5 s calls made one after another got one about
     * 6 s after the kill.
     */
    private static <T> T retrying(Supplier<KafkaFuture<T>> call) {
        long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
        while (true) {
            try {
                return call.get().get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                // Kafka's TimeoutException is one
                if (!(e.getCause() instanceof RetriableException) || System.nanoTime() > deadline) {
                    throw new EmbeddedKafkaException(e.getCause().getMessage(), e.getCause());
                }
            } catch (TimeoutException e) {
                throw new EmbeddedKafkaException("the cluster did not answer within " + ADMIN_TIMEOUT, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new EmbeddedKafkaException("interrupted while waiting for the cluster", e);
            }
            sleep(200);
        }
    }

    private static <T> T await(KafkaFuture<T> future) {
        try {
            return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new EmbeddedKafkaException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new EmbeddedKafkaException("the cluster did not answer within " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for the cluster", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for the cluster", e);
        }
    }

    /**
     * Settings of a cluster. Defaults: 3 nodes, free ports on 127.0.0.1 picked at start and kept, a temporary data
     * directory deleted on close, no Streamtune topics, {@link KafkaProcess#DEFAULT_JVM_OPTIONS}.
     */
    public static final class Builder {

        private static final int PORT_ATTEMPTS = 3;

        private int size = 3;
        private int firstPort;
        private Path dataDir;
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private List<String> jvmOptions = KafkaProcess.DEFAULT_JVM_OPTIONS;
        private boolean verbose;
        private boolean stopOnExit;
        private Duration startTimeout = Duration.ofSeconds(180);

        private Builder() {}

        /** Number of nodes, every one a voter (default 3; an odd number survives the loss of a minority). */
        public Builder optNodes(int nodes) {
            if (nodes < 1) {
                throw new IllegalArgumentException("a cluster needs a node: " + nodes);
            }
            this.size = nodes;
            return this;
        }

        /**
         * Fixed ports: node n listens for clients on {@code firstPort + 2(n-1)} and for controllers on the port after
         * it (9092 gives 9092/9093, 9094/9095, 9096/9097). Default 0: free ports.
         */
        public Builder optFirstPort(int firstPort) {
            if (firstPort < 0 || firstPort > 65535 - 2 * size) {
                throw new IllegalArgumentException("port out of range: " + firstPort);
            }
            this.firstPort = firstPort;
            return this;
        }

        /** A data directory kept after close, one {@code node-N} directory per node; default: a temporary one. */
        public Builder optDataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** A broker setting for every node, applied after {@link #durabilitySettings(int)}. */
        public Builder optBrokerProperty(String key, String value) {
            brokerProperties.put(key, value);
            return this;
        }

        /** Options of every node's JVM, replacing {@link KafkaProcess#DEFAULT_JVM_OPTIONS}. */
        public Builder optJvmOptions(List<String> jvmOptions) {
            this.jvmOptions = List.copyOf(jvmOptions);
            return this;
        }

        /** Broker logs at INFO instead of WARN. */
        public Builder optVerbose(boolean verbose) {
            this.verbose = verbose;
            return this;
        }

        /** Stop the nodes cleanly when this JVM exits instead of killing them (see {@link KafkaProcess.Builder}). */
        public Builder optStopOnExit(boolean stopOnExit) {
            this.stopOnExit = stopOnExit;
            return this;
        }

        /** How long each node may take to become ready, at the first start and later ones (default 180 s). */
        public Builder optStartTimeout(Duration startTimeout) {
            this.startTimeout = startTimeout;
            return this;
        }

        /**
         * Formats new node directories with one cluster id (an existing one is reused), starts every node at once
         * (a node is ready only once a quorum is) and waits until all are ready. Free ports are picked again, up to 3
         * times, when another process took one first.
         */
        public KafkaProcessCluster start() {
            boolean temporary = dataDir == null;
            Path dir;
            try {
                dir = temporary
                        ? Files.createTempDirectory("streamtune-kafka-cluster-")
                        : Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the cluster's data dir", e);
            }
            String clusterId = ClusterIds.readOrCreate(nodeDirs(dir));
            for (int attempt = 1; ; attempt++) {
                List<KafkaProcess> nodes = build(dir, clusterId);
                try {
                    nodes.forEach(KafkaProcess::start);
                    nodes.forEach(KafkaProcess::awaitReady);
                    return new KafkaProcessCluster(nodes, clusterId, dir, temporary);
                } catch (RuntimeException e) {
                    nodes.parallelStream().forEach(KafkaProcess::kill);
                    boolean retry = firstPort == 0
                            && nodes.stream().anyMatch(KafkaProcess::failedToBind)
                            && attempt < PORT_ATTEMPTS;
                    if (!retry) {
                        deleteIfTemporary(dir, temporary, e);
                        throw e;
                    }
                }
            }
        }

        private List<Path> nodeDirs(Path dir) {
            var dirs = new ArrayList<Path>();
            for (int id = 1; id <= size; id++) {
                dirs.add(dir.resolve("node-" + id));
            }
            return dirs;
        }

        private List<KafkaProcess> build(Path dir, String clusterId) {
            List<Integer> ports = firstPort != 0 ? fixedPorts() : FreePorts.pick(KafkaProcess.HOST, 2 * size);
            String voters = "";
            for (int id = 1; id <= size; id++) {
                voters += (id > 1 ? "," : "") + id + "@" + KafkaProcess.HOST + ":" + ports.get(2 * (id - 1) + 1);
            }
            var nodes = new ArrayList<KafkaProcess>();
            List<Path> nodeDirs = nodeDirs(dir);
            for (int id = 1; id <= size; id++) {
                var node = KafkaProcess.builder()
                        .optPort(ports.get(2 * (id - 1)))
                        .optControllerPort(ports.get(2 * (id - 1) + 1))
                        .optDataDir(nodeDirs.get(id - 1))
                        .optCreateTopics(false)
                        .optJvmOptions(jvmOptions)
                        .optVerbose(verbose)
                        .optStopOnExit(stopOnExit)
                        .optStartTimeout(startTimeout);
                durabilitySettings(size).forEach(node::optBrokerProperty);
                brokerProperties.forEach(node::optBrokerProperty);
                node.nodeId = id;
                node.quorumVoters = voters;
                node.clusterId = clusterId;
                nodes.add(node.build());
            }
            return nodes;
        }

        private List<Integer> fixedPorts() {
            var ports = new ArrayList<Integer>();
            for (int i = 0; i < 2 * size; i++) {
                ports.add(firstPort + i);
            }
            return ports;
        }

        private static void deleteIfTemporary(Path dir, boolean temporary, RuntimeException failure) {
            if (temporary) {
                try {
                    Utils.delete(dir.toFile());
                } catch (IOException e) {
                    failure.addSuppressed(e);
                }
            }
        }
    }
}
