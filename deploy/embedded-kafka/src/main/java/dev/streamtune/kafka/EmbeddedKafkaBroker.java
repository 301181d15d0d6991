package dev.streamtune.kafka;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import dev.streamtune.kafka.tls.TlsStores;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialAlteration;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (combined broker and controller) running in this JVM: for tests with random ports and a
 * temporary data directory, or for local runs with fixed ports and a data directory that survives restarts. Optionally
 * adds a SASL_SSL listener (SCRAM-SHA-512, self-signed certificate) next to the PLAINTEXT one.
 *
 * <pre>{@code
 * try (var kafka = EmbeddedKafkaBroker.builder().start()) {
 *     Map<String, Object> config = kafka.clientProperties(); // bootstrap.servers
 * }
 * }</pre>
 */
public final class EmbeddedKafkaBroker implements AutoCloseable {

    public static final String DEFAULT_HOST = "127.0.0.1";
    public static final String DEFAULT_SCRAM_USER = "streamtune";
    public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedKafkaBroker.class);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    private static final int SCRAM_ITERATIONS = 4096;

    private final KafkaRaftServer server;
    private final BrokerLayout layout;
    private final Path dataDir;
    private final boolean deleteDataDirOnClose;
    private final Optional<TlsStores> tls;
    private final List<ScramUser> scramUsers;
    private final Map<String, String> topicNames;
    private final Admin admin;
    private final String clusterId;
    private Duration startupTime = Duration.ZERO;
    private final AtomicBoolean closed = new AtomicBoolean();

    private EmbeddedKafkaBroker(
            KafkaRaftServer server,
            BrokerLayout layout,
            Path dataDir,
            boolean deleteDataDirOnClose,
            Optional<TlsStores> tls,
            List<ScramUser> scramUsers,
            Map<String, String> topicNames,
            Admin admin,
            String clusterId) {
        this.server = server;
        this.layout = layout;
        this.dataDir = dataDir;
        this.deleteDataDirOnClose = deleteDataDirOnClose;
        this.tls = tls;
        this.scramUsers = scramUsers;
        this.topicNames = topicNames;
        this.admin = admin;
        this.clusterId = clusterId;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** {@code host:port} of the PLAINTEXT listener. */
    public String bootstrapServers() {
        return layout.advertisedHost() + ":" + layout.port();
    }

    /** {@code host:port} of the SASL_SSL listener, if enabled. */
    public Optional<String> saslBootstrapServers() {
        return layout.saslEnabled() ? Optional.of(layout.advertisedHost() + ":" + layout.saslPort()) : Optional.empty();
    }

    public int port() {
        return layout.port();
    }

    public int controllerPort() {
        return layout.controllerPort();
    }

    public String clusterId() {
        return clusterId;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** How long {@link Builder#start()} took, topics included. */
    public Duration startupTime() {
        return startupTime;
    }

    /** The SCRAM users of the SASL_SSL listener; the first is the one {@link #clientSecurityProperties()} uses. */
    public List<ScramUser> scramUsers() {
        return scramUsers;
    }

    /** The TLS key and trust stores of the SASL_SSL listener, if enabled. */
    public Optional<TlsStores> tlsStores() {
        return tls;
    }

    /** A shared Admin client on the PLAINTEXT listener, closed with the broker: do not close it. */
    public Admin admin() {
        return admin;
    }

    /** Client settings for the PLAINTEXT listener: add serializers/deserializers and group id as needed. */
    public Map<String, Object> clientProperties() {
        return new HashMap<>(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()));
    }

    /** Client settings for the SASL_SSL listener as the first SCRAM user. */
    public Map<String, Object> clientSecurityProperties() {
        if (scramUsers.isEmpty()) {
            throw new IllegalStateException("SASL_SSL is not enabled on this broker");
        }
        ScramUser user = scramUsers.get(0);
        return clientSecurityProperties(user.name(), user.password());
    }

    /**
     * Client settings for the SASL_SSL listener (bootstrap servers, SCRAM-SHA-512 login as {@code user}, trust in the
     * broker's self-signed certificate). String values only, so they also fit Quarkus configuration.
     */
    public Map<String, Object> clientSecurityProperties(String user, String password) {
        TlsStores stores = tls.orElseThrow(() -> new IllegalStateException("SASL_SSL is not enabled on this broker"));
        var props = new HashMap<String, Object>();
        props.put(
                CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG,
                saslBootstrapServers().orElseThrow());
        props.put(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SASL_SSL");
        props.put(SaslConfigs.SASL_MECHANISM, SCRAM_MECHANISM);
        props.put(SaslConfigs.SASL_JAAS_CONFIG, scramJaasConfig(user, password));
        props.put(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, TlsStores.STORE_TYPE);
        props.put(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, stores.truststore().toString());
        props.put(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, stores.password());
        return props;
    }

    /** The JAAS line a SCRAM client logs in with. */
    public static String scramJaasConfig(String user, String password) {
        return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + jaasEscape(user)
                + "\" password=\"" + jaasEscape(password) + "\";";
    }

    /** The Streamtune topics under the names this broker was built with. */
    public List<Topic<?, ?>> streamtuneTopics() {
        return StreamtuneTopics.all(topicNames);
    }

    /** Creates the Streamtune topics under the names this broker was built with, where missing. */
    public List<Topic<?, ?>> createTopics() {
        return createTopics(topicNames);
    }

    /** Creates the Streamtune topics, renamed where {@code names} maps a default name to another, where missing. */
    public List<Topic<?, ?>> createTopics(Map<String, String> names) {
        List<Topic<?, ?>> topics = StreamtuneTopics.all(names);
        createTopics(topics);
        return topics;
    }

    /**
     * Creates the given topics with their {@link Topic#creationConfigs()} and the broker's default partitions and
     * replication; topics that already exist are left as they are. Returns once every partition has a leader.
     */
    public void createTopics(Collection<? extends Topic<?, ?>> topics) {
        LOG.debug("created topics {}", TopicCreation.createMissing(admin, topics, ADMIN_TIMEOUT));
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        admin.close(Duration.ofSeconds(5));
        server.shutdown();
        server.awaitShutdown();
        if (deleteDataDirOnClose) {
            try {
                Utils.delete(dataDir.toFile());
            } catch (IOException e) {
                LOG.warn("cannot delete the broker's temporary data dir {}", dataDir, e);
            }
        }
    }

    @Override
    public String toString() {
        return "EmbeddedKafkaBroker[" + bootstrapServers()
                + saslBootstrapServers().map(s -> ", sasl " + s).orElse("") + ", data " + dataDir + "]";
    }

    private static <T> T await(KafkaFuture<T> future) {
        try {
            return future.get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw new EmbeddedKafkaException(e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new EmbeddedKafkaException("the broker did not answer within " + ADMIN_TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for the broker", e);
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new EmbeddedKafkaException("interrupted while waiting for the broker", e);
        }
    }

    private static String jaasEscape(String value) {
        return value.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    /**
     * Settings of an embedded broker. Every option has a test-friendly default: random ports on 127.0.0.1, a temporary
     * data directory deleted on close, the Streamtune topics created under their default names, no SASL, broker logs
     * at WARN.
     */
    public static final class Builder {

        private String host = DEFAULT_HOST;
        private String advertisedHost;
        private int port;
        private int controllerPort;
        private int saslPort;
        private boolean sasl;
        private final List<ScramUser> scramUsers = new ArrayList<>();
        private Path dataDir;
        private boolean createTopics = true;
        private final Map<String, String> topicNames = new LinkedHashMap<>();
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private boolean quietLogs = true;
        private int nodeId = BrokerProperties.DEFAULT_NODE_ID;
        private String quorumVoters;
        private String clusterId;

        private Builder() {}

        /** Interface the listeners bind to (default 127.0.0.1). */
        public Builder optHost(String host) {
            this.host = host;
            return this;
        }

        /** Host clients are told to connect to (default: the bind host). */
        public Builder optAdvertisedHost(String advertisedHost) {
            this.advertisedHost = advertisedHost;
            return this;
        }

        /** Port of the PLAINTEXT listener; 0 (default) picks a free one. */
        public Builder optPort(int port) {
            this.port = checkPort(port);
            return this;
        }

        /** Port of the KRaft controller listener; 0 (default) picks a free one. */
        public Builder optControllerPort(int controllerPort) {
            this.controllerPort = checkPort(controllerPort);
            return this;
        }

        /** Adds a SASL_SSL listener (SCRAM-SHA-512, self-signed certificate) on a free port. */
        public Builder optSasl(boolean sasl) {
            this.sasl = sasl;
            return this;
        }

        /** Adds a SASL_SSL listener on this port (0 picks a free one). */
        public Builder optSaslPort(int saslPort) {
            this.saslPort = checkPort(saslPort);
            this.sasl = true;
            return this;
        }

        /**
         * A SCRAM-SHA-512 user of the SASL_SSL listener (created or updated at start). Without any, a user
         * {@value #DEFAULT_SCRAM_USER} with a random password is created.
         */
        public Builder optScramUser(String name, String password) {
            scramUsers.add(new ScramUser(name, password));
            return this;
        }

        /**
         * A persistent data directory: formatted on first start only, so topics, offsets and the cluster id survive
         * restarts. Without it a temporary directory is used and deleted on close.
         */
        public Builder optDataDir(Path dataDir) {
            this.dataDir = dataDir;
            return this;
        }

        /** Whether {@link #start()} creates the Streamtune topics (default true). */
        public Builder optCreateTopics(boolean createTopics) {
            this.createTopics = createTopics;
            return this;
        }

        /** Renames Streamtune topics: default name to deployment name (see {@link StreamtuneTopics#all(Map)}). */
        public Builder optTopicNames(Map<String, String> names) {
            topicNames.putAll(names);
            return this;
        }

        /** A broker setting ({@code server.properties} key) overriding the embedded defaults. */
        public Builder optBrokerProperty(String key, String value) {
            brokerProperties.put(key, value);
            return this;
        }

        /** The KRaft node id (default {@value BrokerProperties#DEFAULT_NODE_ID}). */
        public Builder optNodeId(int nodeId) {
            if (nodeId < 0) {
                throw new IllegalArgumentException("negative node id: " + nodeId);
            }
            this.nodeId = nodeId;
            return this;
        }

        /**
         * Makes this node one voter of a static controller quorum ({@code controller.quorum.voters}, e.g.
         * {@code 1@127.0.0.1:9093,2@127.0.0.1:9095,3@127.0.0.1:9097}); every voter needs the same list and
         * {@link #optClusterId(String) cluster id}. Default: this node is the only voter. Replication settings stay at 1:
         * raise them with {@link #optBrokerProperty(String, String)}.
         */
        public Builder optQuorumVoters(String quorumVoters) {
            this.quorumVoters = quorumVoters;
            return this;
        }

        /**
         * The cluster id a new data directory is formatted with (Kafka's base64 UUID form); default: a random one. A
         * directory that is already formatted keeps its own.
         */
        public Builder optClusterId(String clusterId) {
            this.clusterId = clusterId;
            return this;
        }

        /** Whether the broker's own loggers are turned down to WARN (default true). */
        public Builder optQuietLogs(boolean quietLogs) {
            this.quietLogs = quietLogs;
            return this;
        }

        /** Formats storage if needed, starts the broker, creates SCRAM users and topics. */
        public EmbeddedKafkaBroker start() {
            if (quietLogs) {
                BrokerLogging.quiet();
            }
            long started = System.nanoTime();
            boolean temporary = dataDir == null;
            Path dir;
            try {
                dir = temporary ? Files.createTempDirectory("streamtune-kafka-") : Files.createDirectories(dataDir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the broker's data dir", e);
            }
            try {
                return start(dir, temporary, started);
            } catch (RuntimeException | Error e) {
                if (temporary) {
                    try {
                        Utils.delete(dir.toFile());
                    } catch (IOException suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
                throw e;
            }
        }

        private EmbeddedKafkaBroker start(Path dir, boolean temporary, long started) {
            String advertised = advertisedHost != null ? advertisedHost : host;
            Path logDir = dir.resolve("kafka-logs");
            Optional<TlsStores> tls = sasl ? Optional.of(generateTls(dir, advertised)) : Optional.empty();
            List<ScramUser> users = !sasl
                    ? List.of()
                    : scramUsers.isEmpty()
                            ? List.of(new ScramUser(DEFAULT_SCRAM_USER, randomPassword()))
                            : List.copyOf(scramUsers);

            // free ports are picked before binding: another process may take one in between, so retry then
            boolean randomPorts = port == 0 || controllerPort == 0 || (sasl && saslPort == 0);
            int attempts = randomPorts ? 3 : 1;
            boolean formatted = false;
            for (int attempt = 1; ; attempt++) {
                var layout = BrokerLayout.of(host, advertised, port, controllerPort, sasl, saslPort);
                var props = BrokerProperties.of(
                        layout, nodeId, Optional.ofNullable(quorumVoters), logDir, tls, brokerProperties);
                var config = new KafkaConfig(props, false);
                if (!formatted) {
                    KraftStorage.formatIfNeeded(config, Optional.ofNullable(clusterId));
                    formatted = true;
                }
                var server = new KafkaRaftServer(config, Time.SYSTEM);
                try {
                    server.startup();
                } catch (RuntimeException e) {
                    shutdownQuietly(server, e);
                    if (attempt < attempts) {
                        LOG.warn("embedded Kafka did not start on {} (attempt {}), retrying", layout, attempt, e);
                        continue;
                    }
                    throw new EmbeddedKafkaException("embedded Kafka did not start on " + layout, e);
                }
                Admin admin = null;
                try {
                    admin = Admin.create(Map.of(
                            AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                            advertised + ":" + layout.port(),
                            AdminClientConfig.CLIENT_ID_CONFIG,
                            "streamtune-embedded-kafka-admin"));
                    String clusterId = await(admin.describeCluster().clusterId());
                    upsertScramUsers(admin, users);
                    var broker = new EmbeddedKafkaBroker(
                            server, layout, dir, temporary, tls, users, Map.copyOf(topicNames), admin, clusterId);
                    if (createTopics) {
                        broker.createTopics();
                    }
                    broker.startupTime = Duration.ofNanos(System.nanoTime() - started);
                    LOG.info("embedded Kafka started in {} ms: {}", broker.startupTime.toMillis(), broker);
                    return broker;
                } catch (RuntimeException e) {
                    if (admin != null) {
                        admin.close(Duration.ZERO);
                    }
                    shutdownQuietly(server, e);
                    throw e;
                }
            }
        }

        private static TlsStores generateTls(Path dir, String advertisedHost) {
            var hosts = new LinkedHashSet<>(List.of("localhost", "127.0.0.1", advertisedHost));
            try {
                return TlsStores.generate(dir.resolve("tls"), hosts);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }

        private static void upsertScramUsers(Admin admin, List<ScramUser> users) {
            if (users.isEmpty()) {
                return;
            }
            var info = new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS);
            await(admin.alterUserScramCredentials(users.stream()
                            .<UserScramCredentialAlteration>map(
                                    u -> new UserScramCredentialUpsertion(u.name(), info, u.password()))
                            .toList())
                    .all());
            // the broker serves describe from the metadata image its authenticator also reads
            List<String> names = users.stream().map(ScramUser::name).toList();
            long deadline = System.nanoTime() + ADMIN_TIMEOUT.toNanos();
            while (true) {
                try {
                    await(admin.describeUserScramCredentials(names).all());
                    return;
                } catch (EmbeddedKafkaException e) {
                    if (System.nanoTime() > deadline) {
                        throw new EmbeddedKafkaException("SCRAM users not visible: " + names, e);
                    }
                    sleep(50);
                }
            }
        }

        private static void shutdownQuietly(KafkaRaftServer server, Throwable failure) {
            try {
                server.shutdown();
                server.awaitShutdown();
            } catch (RuntimeException e) {
                failure.addSuppressed(e);
            }
        }

        private static String randomPassword() {
            byte[] bytes = new byte[18];
            new SecureRandom().nextBytes(bytes);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        }

        private static int checkPort(int port) {
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port out of range: " + port);
            }
            return port;
        }
    }
}
