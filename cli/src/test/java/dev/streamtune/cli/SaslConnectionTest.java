package dev.streamtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.common.config.SslConfigs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SASL/SCRAM over TLS, as Strimzi's KafkaUsers connect: from a client properties file or from flags. */
@WithEmbeddedKafka(sasl = true)
class SaslConnectionTest {

    @TempDir
    Path dir;

    @Test
    void shouldConnectWithAKafkaClientPropertiesFile(EmbeddedKafkaBroker kafka) throws Exception {
        var props = new Properties();
        kafka.clientSecurityProperties().forEach((k, v) -> props.setProperty(k, String.valueOf(v)));
        Path file = dir.resolve("client.properties");
        try (Writer out = Files.newBufferedWriter(file)) {
            props.store(out, null);
        }

        var result = Cli.run("texts", "send", "--client-config", file.toString(), "over SASL_SSL");

        assertThat(result.exitCode()).as(result.err()).isZero();
        String key = result.lines().get(0);
        assertThat(Cli.readAll(kafka, StreamtuneTopics.TEXTS))
                .anyMatch(r -> r.key().equals(key) && r.value().text().equals("over SASL_SSL"));
    }

    @Test
    void shouldConnectWithFlagsAndRefuseAWrongPassword(EmbeddedKafkaBroker kafka) {
        var secured = kafka.clientSecurityProperties();
        String[] common = {
            "-b", kafka.saslBootstrapServers().orElseThrow(),
            "--sasl-username", EmbeddedKafkaBroker.DEFAULT_SCRAM_USER,
            "--truststore",
                    secured.get(SslConfigs.SSL_TRUSTSTORE_LOCATION_CONFIG).toString(),
            "--truststore-type",
                    secured.get(SslConfigs.SSL_TRUSTSTORE_TYPE_CONFIG).toString(),
            "--truststore-password",
                    secured.get(SslConfigs.SSL_TRUSTSTORE_PASSWORD_CONFIG).toString(),
            "--timeout", "10s"
        };
        String password = kafka.scramUsers().get(0).password();

        var good = Cli.run(concat(new String[] {"models", "list", "--sasl-password", password}, common));
        var bad = Cli.run(concat(new String[] {"models", "list", "--sasl-password", "wrong"}, common));

        assertThat(good.exitCode()).as(good.err()).isZero();
        assertThat(bad.exitCode()).isEqualTo(ExitCodes.DENIED);
        assertThat(bad.err()).contains("refused the credentials");
    }

    private static String[] concat(String[] a, String[] b) {
        var all = new String[a.length + b.length];
        System.arraycopy(a, 0, all, 0, a.length);
        System.arraycopy(b, 0, all, a.length, b.length);
        return all;
    }
}
