package dev.streamtune.cli;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import picocli.CommandLine.Option;

/**
 * How every subcommand reaches Kafka: a client properties file in Kafka's own format, then environment variables, then
 * flags (each later one wins), and the topic names of the deployment.
 */
public final class KafkaOptions {

    static final String DEFAULT_BOOTSTRAP = "localhost:9092";

    @Option(
            names = {"-b", "--bootstrap-servers"},
            defaultValue = "${env:STREAMTUNE_BOOTSTRAP_SERVERS}",
            description = "Kafka bootstrap servers (env STREAMTUNE_BOOTSTRAP_SERVERS; default " + DEFAULT_BOOTSTRAP
                    + " unless the client config sets them).")
    String bootstrapServers;

    @Option(
            names = {"-c", "--client-config"},
            defaultValue = "${env:STREAMTUNE_CLIENT_CONFIG}",
            description = "Kafka client properties file (security.protocol, sasl.*, ssl.*, ...); env"
                    + " STREAMTUNE_CLIENT_CONFIG.")
    Path clientConfig;

    @Option(
            names = "--security-protocol",
            defaultValue = "${env:STREAMTUNE_SECURITY_PROTOCOL}",
            description = "PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL (default: SASL_SSL with --sasl-username and a"
                    + " truststore, SASL_PLAINTEXT with --sasl-username alone).")
    String securityProtocol;

    @Option(
            names = "--sasl-mechanism",
            defaultValue = "${env:STREAMTUNE_SASL_MECHANISM}",
            description = "SCRAM-SHA-512 (default), SCRAM-SHA-256 or PLAIN.")
    String saslMechanism;

    @Option(
            names = "--sasl-username",
            defaultValue = "${env:STREAMTUNE_SASL_USERNAME}",
            description = "SASL user (env STREAMTUNE_SASL_USERNAME).")
    String saslUsername;

    @Option(
            names = "--sasl-password",
            defaultValue = "${env:STREAMTUNE_SASL_PASSWORD}",
            description = "SASL password (env STREAMTUNE_SASL_PASSWORD: keeps it out of the process list).")
    String saslPassword;

    @Option(
            names = "--truststore",
            defaultValue = "${env:STREAMTUNE_TRUSTSTORE}",
            description = "Trust store of the brokers' CA (PKCS12, JKS or PEM); env STREAMTUNE_TRUSTSTORE.")
    Path truststore;

    @Option(
            names = "--truststore-password",
            defaultValue = "${env:STREAMTUNE_TRUSTSTORE_PASSWORD}",
            description = "Trust store password (env STREAMTUNE_TRUSTSTORE_PASSWORD).")
    String truststorePassword;

    @Option(
            names = "--truststore-type",
            defaultValue = "${env:STREAMTUNE_TRUSTSTORE_TYPE}",
            description = "PKCS12 (default), JKS or PEM.")
    String truststoreType;

    @Option(
            names = "--topic",
            paramLabel = "DEFAULT=NAME",
            description = "A deployment's topic name, e.g. --topic examples=prod.examples (or"
                    + " streamtune.examples=prod.examples); repeatable.")
    Map<String, String> topicNames = new LinkedHashMap<>();

    @Option(
            names = "--timeout",
            defaultValue = "${env:STREAMTUNE_TIMEOUT:-15s}",
            converter = DurationConverter.class,
            description = "How long to wait for the broker or the trainer before giving up (e.g. 15s, 2m, PT15S;"
                    + " default ${DEFAULT-VALUE}).")
    Duration timeout;

    /** The Kafka client settings: the file's, then environment and flags. */
    public Properties clientProperties() {
        var props = new Properties();
        if (clientConfig != null) {
            try (Reader in = Files.newBufferedReader(clientConfig)) {
                props.load(in);
            } catch (IOException e) {
                throw new CliException(ExitCodes.USAGE, "cannot read the client config " + clientConfig + ": " + e);
            }
        }
        if (bootstrapServers != null && !bootstrapServers.isBlank()) {
            props.setProperty(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        }
        props.putIfAbsent(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, DEFAULT_BOOTSTRAP);
        if (truststore != null) {
            props.setProperty(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG, truststore.toString());
            props.setProperty(
                    SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG, truststoreType == null ? "PKCS12" : truststoreType);
            if (truststorePassword != null) {
                props.setProperty(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG, truststorePassword);
            }
        }
        if (saslUsername != null) {
            String mechanism = saslMechanism == null ? "SCRAM-SHA-512" : saslMechanism;
            props.setProperty(SaslConfigs.SASL_MECHANISM, mechanism);
            String module = mechanism.equals("PLAIN")
                    ? "org.apache.kafka.common.security.plain.PlainLoginModule"
                    : "org.apache.kafka.common.security.scram.ScramLoginModule";
            props.setProperty(
                    SaslConfigs.SASL_JAAS_CONFIG,
                    module + " required username=\"" + jaasEscape(saslUsername) + "\" password=\""
                            + jaasEscape(saslPassword == null ? "" : saslPassword) + "\";");
            if (securityProtocol == null && !props.containsKey(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)) {
                props.setProperty(
                        CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
                        props.containsKey(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG) ? "SASL_SSL" : "SASL_PLAINTEXT");
            }
        } else if (saslMechanism != null) {
            props.setProperty(SaslConfigs.SASL_MECHANISM, saslMechanism);
        }
        if (securityProtocol != null) {
            props.setProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, securityProtocol);
        } else if (truststore != null && !props.containsKey(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG)) {
            props.setProperty(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "SSL");
        }
        return props;
    }

    public Duration timeout() {
        return timeout;
    }

    /** The catalogue's topic under this deployment's name. */
    public <K, V> Topic<K, V> topic(Topic<K, V> topic) {
        String defaultName = topic.name();
        String shortName = defaultName.substring(defaultName.lastIndexOf('.') + 1);
        String name = topicNames.getOrDefault(defaultName, topicNames.getOrDefault(shortName, defaultName));
        return topic.withName(name);
    }

    /** Every renamed topic must be one of the catalogue's. */
    void checkTopicNames() {
        for (String key : topicNames.keySet()) {
            boolean known = StreamtuneTopics.all().stream()
                    .anyMatch(t -> t.name().equals(key) || t.name().endsWith("." + key));
            if (!known) {
                throw new CliException(
                        ExitCodes.USAGE,
                        "--topic " + key + "=...: not a Streamtune topic (examples, texts, predictions, review, models,"
                                + " monitoring, commands, dlq)");
            }
        }
    }

    private static String jaasEscape(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }
}
