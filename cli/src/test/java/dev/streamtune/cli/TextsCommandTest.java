package dev.streamtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@WithEmbeddedKafka
class TextsCommandTest {

    @TempDir
    Path dir;

    @Test
    void shouldSendArgumentsUnderThePrintedKeys(EmbeddedKafkaBroker kafka) {
        var result = Cli.run(
                "texts", "send", "-b", kafka.bootstrapServers(), "--attribute", "channel=cli", "first text", "second");

        assertThat(result.exitCode()).as(result.err()).isZero();
        List<String> keys = result.lines();
        assertThat(keys).hasSize(2);
        Map<String, TextInput> sent = byKey(kafka);
        assertThat(sent.get(keys.get(0)).text()).isEqualTo("first text");
        assertThat(sent.get(keys.get(0)).attributes()).containsEntry("channel", "cli");
        assertThat(sent.get(keys.get(1)).text()).isEqualTo("second");
    }

    @Test
    void shouldSendStdinAndFilesLineByLine(EmbeddedKafkaBroker kafka) throws Exception {
        var fromStdin =
                Cli.runWithStdin("from stdin 1\n\nfrom stdin 2\n", "texts", "send", "-b", kafka.bootstrapServers());
        Path file = Files.writeString(dir.resolve("texts.txt"), "from a file\n");
        var fromFile =
                Cli.run("texts", "send", "-b", kafka.bootstrapServers(), "--file", file.toString(), "--key", "k-1");

        assertThat(fromStdin.exitCode()).as(fromStdin.err()).isZero();
        assertThat(fromStdin.lines()).hasSize(2);
        assertThat(fromStdin.err()).contains("sent 2 texts to streamtune.texts");
        assertThat(fromFile.lines()).containsExactly("k-1");
        Map<String, TextInput> sent = byKey(kafka);
        assertThat(sent.get(fromStdin.lines().get(1)).text()).isEqualTo("from stdin 2");
        assertThat(sent.get("k-1").text()).isEqualTo("from a file");
    }

    @Test
    void shouldUseTheIdOfJsonTextsAsTheKeyAndRefuseEmptyOnes(EmbeddedKafkaBroker kafka) throws Exception {
        Path file = Files.writeString(dir.resolve("texts.jsonl"), """
                {"id":"t-9","text":"json text","attributes":{"lang":"en"}}
                {"id":"t-10","text":""}
                """);

        var result = Cli.run("texts", "send", "-b", kafka.bootstrapServers(), "--jsonl", "--file", file.toString());

        assertThat(result.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(result.lines()).containsExactly("t-9");
        assertThat(result.err()).contains("text 2: not sent");
        TextInput sent = byKey(kafka).get("t-9");
        assertThat(sent.id()).isEqualTo("t-9");
        assertThat(sent.attributes()).containsEntry("lang", "en");
        assertThat(byKey(kafka)).doesNotContainKey("t-10");
    }

    /** Read with the texts topic's own serde, as the inference service reads them. */
    private static Map<String, TextInput> byKey(EmbeddedKafkaBroker kafka) {
        return Cli.readAll(kafka, StreamtuneTopics.TEXTS).stream()
                .collect(Collectors.toMap(ConsumerRecord::key, ConsumerRecord::value, (a, b) -> b));
    }
}
