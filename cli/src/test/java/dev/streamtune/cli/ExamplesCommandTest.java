package dev.streamtune.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.kafka.EmbeddedKafkaBroker;
import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@WithEmbeddedKafka
class ExamplesCommandTest {

    @TempDir
    Path dir;

    @Test
    void shouldSendJsonlExamplesThatTheTrainerAccepts(EmbeddedKafkaBroker kafka) throws Exception {
        Path file = Files.writeString(dir.resolve("examples.jsonl"), """
                {"id":"j-1","text":"Refund my order please","label":"billing","source":"desk"}

                {"text":"The app crashes on start","label":"bug"}
                """);

        var result = Cli.run("examples", "send", "-b", kafka.bootstrapServers(), "--jsonl", file.toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("sent 2 examples to streamtune.examples");
        Map<String, LabeledExample> sent = latest(kafka);
        assertThat(sent.get("j-1").label()).isEqualTo("billing");
        assertThat(sent.get("j-1").source()).isEqualTo("desk");
        String contentId = ExampleSources.contentId("The app crashes on start");
        assertThat(contentId).startsWith("sha256:").hasSize(7 + 32);
        assertThat(sent.get(contentId).text()).isEqualTo("The app crashes on start");
        assertThat(sent.get(contentId).label()).isEqualTo("bug");
    }

    @Test
    void shouldSendCsvWithNamedColumns(EmbeddedKafkaBroker kafka) throws Exception {
        Path file = Files.writeString(dir.resolve("tickets.csv"), """
                ticket,body,category
                c-1,"Invoice twice, please fix",billing
                c-2,"Login page \"\"hangs\"\"",bug
                """);

        var result = Cli.run(
                "examples",
                "send",
                "-b",
                kafka.bootstrapServers(),
                "--csv",
                file.toString(),
                "--id-column",
                "ticket",
                "--text-column",
                "body",
                "--label-column",
                "category",
                "--source",
                "import");

        assertThat(result.exitCode()).as(result.err()).isZero();
        Map<String, LabeledExample> sent = latest(kafka);
        assertThat(sent.get("c-1"))
                .extracting(LabeledExample::text, LabeledExample::label, LabeledExample::source)
                .containsExactly("Invoice twice, please fix", "billing", "import");
        assertThat(sent.get("c-2").text()).isEqualTo("Login page \"hangs\"");
    }

    @Test
    void shouldRefuseCsvWithoutTheTextColumn(EmbeddedKafkaBroker kafka) throws Exception {
        Path file = Files.writeString(dir.resolve("bad.csv"), "body,label\nhello,x\n");

        var result = Cli.run("examples", "send", "-b", kafka.bootstrapServers(), "--csv", file.toString());

        assertThat(result.exitCode()).isEqualTo(ExitCodes.USAGE);
        assertThat(result.err()).contains("no column 'text'");
    }

    @Test
    void shouldSendAFolderPerLabel(EmbeddedKafkaBroker kafka) throws Exception {
        Files.createDirectories(dir.resolve("corpus/spam"));
        Files.createDirectories(dir.resolve("corpus/ham"));
        Files.writeString(dir.resolve("corpus/spam/1.txt"), "Cheap watches, click here\n");
        Files.writeString(dir.resolve("corpus/ham/1.txt"), "Lunch at noon?");
        Files.writeString(dir.resolve("corpus/ham/.hidden"), "not an example");

        var result = Cli.run(
                "examples",
                "send",
                "-b",
                kafka.bootstrapServers(),
                "--dir",
                dir.resolve("corpus").toString());

        assertThat(result.exitCode()).as(result.err()).isZero();
        assertThat(result.out()).contains("sent 2 examples");
        Map<String, LabeledExample> sent = latest(kafka);
        assertThat(sent.get(ExampleSources.contentId("Cheap watches, click here"))
                        .label())
                .isEqualTo("spam");
        assertThat(sent.get(ExampleSources.contentId("Lunch at noon?")).label()).isEqualTo("ham");
        assertThat(sent.values()).noneMatch(e -> e.text().equals("not an example"));
    }

    @Test
    void shouldSendTheValidExamplesAndReportTheInvalidOnes(EmbeddedKafkaBroker kafka) throws Exception {
        Path file = Files.writeString(dir.resolve("mixed.jsonl"), """
                {"id":"m-1","text":"fine","label":"ok"}
                {"id":"m-2","text":"no label"}
                not json
                """);

        var result = Cli.run("examples", "send", "-b", kafka.bootstrapServers(), "--jsonl", file.toString());

        assertThat(result.exitCode()).isEqualTo(ExitCodes.INVALID_INPUT);
        assertThat(result.err()).contains("mixed.jsonl:2: not sent", "'label' is required", "mixed.jsonl:3: not sent");
        Map<String, LabeledExample> sent = latest(kafka);
        assertThat(sent).containsKey("m-1").doesNotContainKey("m-2");
    }

    @Test
    void shouldRelabelKeepingTheTextAndDeleteWithATombstone(EmbeddedKafkaBroker kafka) {
        var jsonl = "{\"id\":\"r-1\",\"text\":\"Where is my parcel?\",\"label\":\"billing\"}\n";
        assertThat(Cli.runWithStdin(jsonl, "examples", "send", "-b", kafka.bootstrapServers(), "--jsonl", "-")
                        .exitCode())
                .isZero();

        var relabel = Cli.run("examples", "relabel", "-b", kafka.bootstrapServers(), "r-1", "shipping");

        assertThat(relabel.exitCode()).as(relabel.err()).isZero();
        assertThat(relabel.out()).contains("relabeled r-1: billing -> shipping");
        LabeledExample relabeled = latest(kafka).get("r-1");
        assertThat(relabeled.text()).isEqualTo("Where is my parcel?");
        assertThat(relabeled.label()).isEqualTo("shipping");
        // what the trainer's dataset topology does with it
        byte[] value = StreamtuneTopics.EXAMPLES.valueSerde().serializer().serialize("t", relabeled);
        assertThat(InputValidator.DEFAULT
                        .parseExample("r-1".getBytes(StandardCharsets.UTF_8), value)
                        .isValid())
                .isTrue();

        var delete = Cli.run("examples", "delete", "-b", kafka.bootstrapServers(), "r-1");

        assertThat(delete.exitCode()).as(delete.err()).isZero();
        List<ConsumerRecord<String, LabeledExample>> all = Cli.readAll(kafka, StreamtuneTopics.EXAMPLES);
        assertThat(all.get(all.size() - 1).key()).isEqualTo("r-1");
        assertThat(all.get(all.size() - 1).value()).isNull();
        assertThat(latest(kafka)).doesNotContainKey("r-1");

        var again = Cli.run("examples", "relabel", "-b", kafka.bootstrapServers(), "r-1", "billing");
        assertThat(again.exitCode()).isEqualTo(ExitCodes.REFUSED);
        assertThat(again.err()).contains("no example with id r-1");
    }

    /** The dataset as the trainer keeps it: the latest value per id, tombstones removing ids. */
    private static Map<String, LabeledExample> latest(EmbeddedKafkaBroker kafka) {
        var map = new LinkedHashMap<String, LabeledExample>();
        for (var r : Cli.readAll(kafka, StreamtuneTopics.EXAMPLES)) {
            if (r.value() == null) {
                map.remove(r.key());
            } else {
                map.put(r.key(), r.value());
            }
        }
        return map;
    }
}
