package dev.streamtune.kafka.standalone;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import dev.streamtune.kafka.process.KafkaProcess;
import dev.streamtune.kafka.process.KafkaProcessCluster;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A local multi-node Kafka: starts {@link KafkaProcessCluster} nodes as child JVMs (each one the standalone broker),
 * creates the Streamtune topics replicated on them and runs until SIGTERM or SIGINT, then stops every node. The
 * nodes' pids are printed so that one can be killed ({@code kill -9}) or paused ({@code kill -STOP}) by hand.
 */
@Command(
        name = "streamtune-kafka-cluster",
        mixinStandardHelpOptions = true,
        description = "Runs a local KRaft cluster (every node broker and controller) with the Streamtune topics"
                + " until stopped (Ctrl+C).")
public final class StreamtuneKafkaCluster implements Callable<Integer> {

    @Option(
            names = "--nodes",
            defaultValue = "3",
            description = "Number of nodes, every one a voter (default: ${DEFAULT-VALUE}).")
    int nodes;

    @Option(
            names = "--first-port",
            defaultValue = "9092",
            description = "Node n listens on first-port + 2(n-1) for clients and on the next port for controllers"
                    + " (default: ${DEFAULT-VALUE}: 9092, 9094, 9096).")
    int firstPort;

    @Option(
            names = "--data-dir",
            defaultValue = "data/kafka-cluster",
            description = "Cluster data, one node-N directory per node with its console.log, kept across restarts"
                    + " (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--topic-prefix",
            defaultValue = "",
            description = "Prefix for every Streamtune topic name (e.g. dev.).")
    String topicPrefix;

    @Option(
            names = "--create-topics",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Create the Streamtune topics where missing (default: ${DEFAULT-VALUE}).")
    boolean createTopics;

    @Option(names = "--broker-property", description = "Setting key=value for every node (repeatable).")
    Map<String, String> brokerProperties = new LinkedHashMap<>();

    @Option(
            names = "--node-heap",
            defaultValue = "512m",
            description = "-Xmx of each node (default: ${DEFAULT-VALUE}).")
    String nodeHeap;

    @Option(names = "--verbose", description = "Log the brokers at INFO instead of WARN.")
    boolean verbose;

    public static void main(String[] args) {
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        }
        int exitCode = new CommandLine(new StreamtuneKafkaCluster()).execute(args);
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    @Override
    public Integer call() throws Exception {
        ConsoleLogging.configure(Level.WARNING);
        Logger log = LoggerFactory.getLogger(StreamtuneKafkaCluster.class);
        long started = System.nanoTime();
        var builder = KafkaProcessCluster.builder()
                .optNodes(nodes)
                .optFirstPort(firstPort)
                .optDataDir(dataDir)
                .optVerbose(verbose)
                .optStopOnExit(true)
                // full JIT: a local cluster runs for hours, not seconds
                .optJvmOptions(List.of("-Xmx" + nodeHeap, "-XX:+UseSerialGC"));
        brokerProperties.forEach(builder::optBrokerProperty);
        KafkaProcessCluster cluster = builder.start();

        var stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("stopping the cluster");
                            try {
                                cluster.stopAll();
                            } catch (RuntimeException e) {
                                log.warn("stopping the cluster: {}", e.getMessage());
                            } finally {
                                cluster.close();
                            }
                            log.info("cluster stopped");
                            stopped.countDown();
                        },
                        "streamtune-kafka-cluster-shutdown"));
        if (createTopics) {
            List<Topic<?, ?>> topics = StreamtuneTopics.all(topicNames());
            cluster.createTopics(topics);
            log.info("topics: {}", topics.stream().map(Topic::name).toList());
        }
        log.info(
                "Kafka cluster ready in {} ms: bootstrap servers {}, cluster id {}, data dir {}",
                (System.nanoTime() - started) / 1_000_000,
                cluster.bootstrapServers(),
                cluster.clusterId(),
                dataDir.toAbsolutePath());
        for (KafkaProcess node : cluster.nodes()) {
            log.info("node {}: pid {}, {}, log {}", node.nodeId(), node.pid(), node.bootstrapServers(), node.logFile());
        }
        stopped.await();
        return 0;
    }

    private Map<String, String> topicNames() {
        var names = new LinkedHashMap<String, String>();
        if (!topicPrefix.isEmpty()) {
            StreamtuneTopics.all().forEach(t -> names.put(t.name(), topicPrefix + t.name()));
        }
        return names;
    }
}
