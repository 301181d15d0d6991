package dev.streamtune.kafka;

import dev.streamtune.kafka.tls.TlsStores;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code server.properties} of a broker: KRaft combined mode, everything replicated once. Alone by default; as one
 * voter of a static quorum, replication is raised through {@code overrides}.
 */
final class BrokerProperties {

    static final int DEFAULT_NODE_ID = 1;
    static final String CONTROLLER_LISTENER = "CONTROLLER";
    static final String PLAINTEXT_LISTENER = "PLAINTEXT";
    static final String SASL_LISTENER = "SASL_SSL";

    private BrokerProperties() {}

    /**
     * @param quorumVoters {@code controller.quorum.voters} of a multi-node quorum; empty: this node is the only voter
     */
    static Map<String, String> of(
            BrokerLayout layout,
            int nodeId,
            Optional<String> quorumVoters,
            Path logDir,
            Optional<TlsStores> tls,
            Map<String, String> overrides) {
        var props = new LinkedHashMap<String, String>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(nodeId));
        // a static quorum: the voter set lives in config, so controller ports may change across restarts
        String voterHost = isWildcard(layout.host()) ? "127.0.0.1" : layout.host();
        props.put(
                "controller.quorum.voters",
                quorumVoters.orElse(nodeId + "@" + voterHost + ":" + layout.controllerPort()));
        props.put("controller.listener.names", CONTROLLER_LISTENER);
        props.put("inter.broker.listener.name", PLAINTEXT_LISTENER);

        String listeners = PLAINTEXT_LISTENER + "://" + layout.host() + ":" + layout.port() + "," + CONTROLLER_LISTENER
                + "://" + layout.host() + ":" + layout.controllerPort();
        String advertised = PLAINTEXT_LISTENER + "://" + layout.advertisedHost() + ":" + layout.port();
        String protocols = PLAINTEXT_LISTENER + ":PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT";
        if (layout.saslEnabled()) {
            listeners += "," + SASL_LISTENER + "://" + layout.host() + ":" + layout.saslPort();
            advertised += "," + SASL_LISTENER + "://" + layout.advertisedHost() + ":" + layout.saslPort();
            protocols += "," + SASL_LISTENER + ":SASL_SSL";
            TlsStores stores = tls.orElseThrow();
            String prefix = "listener.name." + SASL_LISTENER.toLowerCase(Locale.ROOT) + ".";
            props.put("sasl.enabled.mechanisms", EmbeddedKafkaBroker.SCRAM_MECHANISM);
            props.put(prefix + "sasl.enabled.mechanisms", EmbeddedKafkaBroker.SCRAM_MECHANISM);
            props.put(
                    prefix + "scram-sha-512.sasl.jaas.config",
                    "org.apache.kafka.common.security.scram.ScramLoginModule required;");
            props.put(prefix + "ssl.keystore.type", TlsStores.STORE_TYPE);
            props.put(prefix + "ssl.keystore.location", stores.keystore().toString());
            props.put(prefix + "ssl.keystore.password", stores.password());
            props.put(prefix + "ssl.key.password", stores.password());
        }
        props.put("listeners", listeners);
        props.put("advertised.listeners", advertised);
        props.put("listener.security.protocol.map", protocols);

        props.put("log.dirs", logDir.toString());
        props.put("num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("offsets.topic.num.partitions", "1");
        // exactly-once (transactions, Kafka Streams exactly_once_v2) on one broker
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("transaction.state.log.num.partitions", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        props.put("group.initial.rebalance.delay.ms", "0");
        // a laptop-sized broker: few threads, a small compaction buffer (default 128 MiB)
        props.put("num.network.threads", "2");
        props.put("num.io.threads", "4");
        props.put("background.threads", "2");
        props.put("num.recovery.threads.per.data.dir", "1");
        props.put("log.cleaner.dedupe.buffer.size", Integer.toString(8 * 1024 * 1024));
        props.putAll(overrides);
        return props;
    }

    private static boolean isWildcard(String host) {
        return host.isEmpty() || host.equals("0.0.0.0") || host.equals("::") || host.equals("[::]");
    }
}
