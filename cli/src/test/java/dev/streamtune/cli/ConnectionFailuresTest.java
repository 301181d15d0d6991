package dev.streamtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

@WithEmbeddedKafka
class ConnectionFailuresTest {

    @Test
    void shouldExitWithUnreachableWhenNoBrokerAnswers() throws Exception {
        int closedPort;
        try (var socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        Instant start = Instant.now();

        var send = Cli.run("texts", "send", "-b", "127.0.0.1:" + closedPort, "--timeout", "2s", "hello");
        var tail = Cli.run("predictions", "tail", "-b", "127.0.0.1:" + closedPort, "--timeout", "2s");

        assertThat(send.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(send.err()).contains("no Kafka broker answered at 127.0.0.1:" + closedPort + " within 2 s");
        assertThat(tail.exitCode()).isEqualTo(ExitCodes.UNREACHABLE);
        assertThat(Duration.between(start, Instant.now())).isLessThan(Duration.ofSeconds(30));
    }

    @Test
    void shouldExitWithMissingTopicForATopicThatDoesNotExist(EmbeddedKafkaBroker kafka) {
        var send = Cli.run(
                "examples", "delete", "-b", kafka.bootstrapServers(), "--topic", "examples=no.such.topic", "some-id");
        var list = Cli.run("models", "list", "-b", kafka.bootstrapServers(), "--topic", "models=nowhere");

        assertThat(send.exitCode()).isEqualTo(ExitCodes.MISSING_TOPIC);
        assertThat(send.err()).contains("topic no.such.topic does not exist on " + kafka.bootstrapServers());
        assertThat(list.exitCode()).isEqualTo(ExitCodes.MISSING_TOPIC);
    }

    @Test
    void shouldRefuseAnUnknownTopicRename(EmbeddedKafkaBroker kafka) {
        var result = Cli.run("dlq", "tail", "-b", kafka.bootstrapServers(), "--topic", "dead=letters");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("not a Streamtune topic");
    }

    @Test
    void shouldRefuseAnUnknownOptionWithTheUsageCode() {
        var result = Cli.run("texts", "send", "--no-such-option");

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("Unknown option");
    }
}
