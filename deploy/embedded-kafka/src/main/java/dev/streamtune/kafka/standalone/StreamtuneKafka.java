package dev.streamtune.kafka.standalone;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.logging.Level;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The single-node Kafka for local runs and the demo: formats its data dir on first start, keeps it across restarts,
 * creates the Streamtune topics and runs until SIGTERM or SIGINT, then shuts down cleanly.
 */
@Command(
        name = "streamtune-kafka",
        mixinStandardHelpOptions = true,
        description = "Runs a single-node KRaft Kafka broker with the Streamtune topics until stopped (Ctrl+C).")
public final class StreamtuneKafka implements Callable<Integer> {

    /** How the line logged once the broker serves clients begins (harnesses wait for it). */
    public static final String READY_MESSAGE = "Kafka ready in ";

    /** The line logged once a SIGTERM or SIGINT shutdown has completed. */
    public static final String STOPPED_MESSAGE = "Kafka stopped";

    @Option(
            names = "--host",
            defaultValue = "127.0.0.1",
            description = "Interface to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--advertised-host", description = "Host clients connect to (default: --host).")
    String advertisedHost;

    @Option(
            names = "--port",
            defaultValue = "9092",
            description = "PLAINTEXT listener port (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(
            names = "--controller-port",
            defaultValue = "9093",
            description = "KRaft controller port (default: ${DEFAULT-VALUE}).")
    int controllerPort;

    @Option(names = "--sasl-port", description = "Also open a SASL_SSL listener (SCRAM-SHA-512) on this port.")
    Integer saslPort;

    @Option(
            names = "--sasl-user",
            defaultValue = EmbeddedKafkaBroker.DEFAULT_SCRAM_USER,
            description = "SCRAM user created for the SASL_SSL listener (default: ${DEFAULT-VALUE}).")
    String saslUser;

    @Option(
            names = "--sasl-password",
            defaultValue = "${env:STREAMTUNE_KAFKA_PASSWORD}",
            description = "Password of --sasl-user (default: $STREAMTUNE_KAFKA_PASSWORD).")
    String saslPassword;

    @Option(
            names = "--data-dir",
            defaultValue = "data/kafka",
            description = "Broker data, kept across restarts (default: ${DEFAULT-VALUE}).")
    Path dataDir;

    @Option(
            names = "--topic-prefix",
            defaultValue = "",
            description = "Prefix for every Streamtune topic name (e.g. dev.).")
    String topicPrefix;

    @Option(
            names = "--rename",
            description = "Rename a topic: default-name=name (repeatable; applied after --topic-prefix).")
    Map<String, String> renames = new LinkedHashMap<>();

    @Option(
            names = "--create-topics",
            negatable = true,
            defaultValue = "true",
            fallbackValue = "true",
            description = "Create the Streamtune topics where missing (default: ${DEFAULT-VALUE}).")
    boolean createTopics;

    @Option(names = "--broker-property", description = "Broker setting key=value (repeatable).")
    Map<String, String> brokerProperties = new LinkedHashMap<>();

    @Option(names = "--verbose", description = "Log the broker at INFO instead of WARN.")
    boolean verbose;

    @Option(
            names = "--node-id",
            defaultValue = "1",
            description = "KRaft node id (default: ${DEFAULT-VALUE}); a cluster node needs --quorum-voters too.")
    int nodeId;

    @Option(
            names = "--quorum-voters",
            description = "Static controller quorum id@host:port,... shared by every node of a cluster"
                    + " (default: this node alone).")
    String quorumVoters;

    @Option(
            names = "--cluster-id",
            description = "Cluster id for formatting a new data dir (default: random); the same on every node.")
    String clusterId;

    @Option(
            names = "--parent-pid",
            description = "Halt at once when this process ends (for harnesses that start the broker as a child).")
    Long parentPid;

    public static void main(String[] args) {
        // before anything touches java.util.logging: one backend for slf4j (Kafka) and JUL
        if (System.getProperty("java.util.logging.manager") == null) {
            System.setProperty("java.util.logging.manager", "org.jboss.logmanager.LogManager");
        }
        int exitCode = new CommandLine(new StreamtuneKafka()).execute(args);
        if (exitCode != 0) {
            System.exit(exitCode);
        }
    }

    @Override
    public Integer call() throws Exception {
        ConsoleLogging.configure(verbose ? Level.INFO : Level.WARNING);
        Logger log = LoggerFactory.getLogger(StreamtuneKafka.class);
        if (saslPort != null && (saslPassword == null || saslPassword.isEmpty())) {
            throw new CommandLine.ParameterException(
                    new CommandLine(this), "--sasl-port needs --sasl-password or STREAMTUNE_KAFKA_PASSWORD");
        }

        if (parentPid != null) {
            haltWhenGone(parentPid, log);
        }
        var builder = EmbeddedKafkaBroker.builder()
                .optNodeId(nodeId)
                .optQuorumVoters(quorumVoters)
                .optClusterId(clusterId)
                .optHost(host)
                .optPort(port)
                .optControllerPort(controllerPort)
                .optDataDir(dataDir)
                .optTopicNames(topicNames())
                .optCreateTopics(createTopics)
                .optQuietLogs(!verbose);
        if (advertisedHost != null) {
            builder.optAdvertisedHost(advertisedHost);
        }
        if (saslPort != null) {
            builder.optSaslPort(saslPort).optScramUser(saslUser, saslPassword);
        }
        brokerProperties.forEach(builder::optBrokerProperty);

        var stopped = new CountDownLatch(1);
        EmbeddedKafkaBroker broker = builder.start();
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("stopping Kafka");
                            broker.close();
                            log.info(STOPPED_MESSAGE);
                            stopped.countDown();
                        },
                        "streamtune-kafka-shutdown"));

        log.info(
                READY_MESSAGE + "{} ms: bootstrap servers {}, cluster id {}, data dir {}",
                broker.startupTime().toMillis(),
                broker.bootstrapServers(),
                broker.clusterId(),
                dataDir.toAbsolutePath());
        if (createTopics) {
            log.info(
                    "topics: {}",
                    broker.streamtuneTopics().stream().map(Topic::name).toList());
        }
        if (broker.saslBootstrapServers().isPresent()) {
            Path clientConfig = writeSaslClientConfig(broker);
            log.info(
                    "SASL_SSL (SCRAM-SHA-512) on {} as user {}: client settings without the password in {}",
                    broker.saslBootstrapServers().get(),
                    saslUser,
                    clientConfig.toAbsolutePath());
        }
        stopped.await();
        return 0;
    }

    /** A harness killed without cleaning up must not leave its broker running (and holding ports) behind. */
    private static void haltWhenGone(long pid, Logger log) {
        var parent = ProcessHandle.of(pid);
        if (parent.isEmpty()) {
            log.error("parent process {} is already gone", pid);
            Runtime.getRuntime().halt(3);
        }
        parent.get().onExit().thenRun(() -> {
            log.error("parent process {} ended: halting", pid);
            Runtime.getRuntime().halt(3);
        });
    }

    private Map<String, String> topicNames() {
        var names = new LinkedHashMap<String, String>();
        if (!topicPrefix.isEmpty()) {
            StreamtuneTopics.all().forEach(t -> names.put(t.name(), topicPrefix + t.name()));
        }
        names.putAll(renames);
        return names;
    }

    /** A client properties file for the SASL_SSL listener; the password stays out of it. */
    private Path writeSaslClientConfig(EmbeddedKafkaBroker broker) throws IOException {
        var props = new Properties();
        broker.clientSecurityProperties(saslUser, "<password>").forEach((k, v) -> props.setProperty(k, v.toString()));
        Path file = dataDir.resolve("tls").resolve("client-sasl.properties");
        try (OutputStream out = Files.newOutputStream(file)) {
            props.store(out, "SASL_SSL client settings; put the password of " + saslUser + " into sasl.jaas.config");
        }
        return file;
    }
}
