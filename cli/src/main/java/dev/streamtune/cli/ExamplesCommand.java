package dev.streamtune.cli;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.common.validation.Validated;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.utils.Utils;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Labeled examples on the examples topic: send, relabel, delete. */
@Command(
        name = "examples",
        mixinStandardHelpOptions = true,
        description = "Labeled examples: the trainer's dataset.",
        subcommands = {ExamplesCommand.Send.class, ExamplesCommand.Relabel.class, ExamplesCommand.Delete.class})
final class ExamplesCommand {

    private ExamplesCommand() {}

    /** Each example is checked by the trainer's own rules before it is sent: an invalid one would only reach the DLQ. */
    static byte[] validated(
            Topic<String, LabeledExample> topic, LabeledExample example, String where, PrintWriter err) {
        byte[] value = topic.valueSerde().serializer().serialize(topic.name(), example);
        byte[] key = example.id() == null ? null : topic.keySerde().serializer().serialize(topic.name(), example.id());
        Validated<LabeledExample> checked = InputValidator.DEFAULT.parseExample(key, value);
        if (checked instanceof Validated.Invalid<LabeledExample> invalid) {
            err.println(where + ": not sent: " + invalid.rejection().reason());
            return null;
        }
        return value;
    }

    @Command(
            name = "send",
            mixinStandardHelpOptions = true,
            description = "Sends labeled examples from JSONL, CSV or a folder per label; an example without an id gets"
                    + " 'sha256:' + the hash of its text.")
    static final class Send implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        static final class Input {
            @Option(
                    names = "--jsonl",
                    paramLabel = "FILE",
                    description = "One JSON example per line: {\"id\",\"text\",\"label\",\"source\"?,\"ts\"?}; - for"
                            + " stdin.")
            Path jsonl;

            @Option(names = "--csv", paramLabel = "FILE", description = "CSV with a header row; - for stdin.")
            Path csv;

            @Option(
                    names = "--dir",
                    paramLabel = "DIR",
                    description = "One folder per label (DIR/<label>/), one UTF-8 text per file.")
            Path dir;
        }

        @ArgGroup(multiplicity = "1")
        Input input;

        @Option(
                names = "--text-column",
                defaultValue = "text",
                description = "CSV column of the text (${DEFAULT-VALUE}).")
        String textColumn;

        @Option(
                names = "--label-column",
                defaultValue = "label",
                description = "CSV column of the label (${DEFAULT-VALUE}).")
        String labelColumn;

        @Option(names = "--id-column", description = "CSV column of the id (default: none, ids from the text).")
        String idColumn;

        @Option(names = "--source-column", description = "CSV column of the source.")
        String sourceColumn;

        @Option(names = "--source", description = "Source recorded on examples that do not name one.")
        String source;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Topic<String, LabeledExample> topic = kafka.topic(StreamtuneTopics.EXAMPLES);
            long[] invalid = {0};
            try (var connection = new KafkaConnection(kafka);
                    var sender = new RecordSender(connection, topic.name())) {
                java.util.function.Consumer<ExampleSources.Entry> sink = entry -> {
                    byte[] value =
                            entry.example() == null ? null : validated(topic, entry.example(), entry.where(), err);
                    if (entry.example() == null) {
                        err.println(entry.where() + ": not sent: " + entry.problem());
                    }
                    if (value == null) {
                        invalid[0]++;
                        return;
                    }
                    sender.send(
                            topic.keySerde()
                                    .serializer()
                                    .serialize(topic.name(), entry.example().id()),
                            value);
                };
                if (input.jsonl != null) {
                    ExampleSources.jsonl(input.jsonl, source, System.in, sink);
                } else if (input.csv != null) {
                    var columns = new ExampleSources.CsvColumns(textColumn, labelColumn, idColumn, sourceColumn);
                    ExampleSources.csv(input.csv, columns, source, System.in, sink);
                } else {
                    ExampleSources.folders(input.dir, source, sink);
                }
                long sent = sender.flush();
                out.println("sent " + sent + " examples to " + topic.name()
                        + (invalid[0] > 0 ? "; " + invalid[0] + " invalid, not sent" : ""));
                out.flush();
            }
            return invalid[0] > 0 ? ExitCodes.INVALID_INPUT : ExitCodes.OK;
        }
    }

    @Command(
            name = "relabel",
            mixinStandardHelpOptions = true,
            description = "Gives an example a new label: its text is read back from the examples topic.")
    static final class Relabel implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @Parameters(index = "0", paramLabel = "ID", description = "The example's id.")
        String id;

        @Parameters(index = "1", paramLabel = "LABEL", description = "The new label.")
        String label;

        @Option(names = "--source", description = "Who relabels it (recorded as the example's source).")
        String source;

        @Override
        public Integer call() {
            Topic<String, LabeledExample> topic = kafka.topic(StreamtuneTopics.EXAMPLES);
            String labelProblem = InputValidator.DEFAULT.checkLabel(label);
            if (labelProblem != null) {
                throw new CliException(ExitCodes.USAGE, "label '" + label + "': " + labelProblem);
            }
            try (var connection = new KafkaConnection(kafka)) {
                LabeledExample current = current(connection, topic);
                var relabeled = new LabeledExample(
                        current.schemaVersion(),
                        id,
                        current.text(),
                        label,
                        source == null ? current.source() : source,
                        Instant.now());
                byte[] value =
                        validated(topic, relabeled, id, spec.commandLine().getErr());
                if (value == null) {
                    return ExitCodes.INVALID_INPUT;
                }
                try (var sender = new RecordSender(connection, topic.name())) {
                    sender.send(topic.keySerde().serializer().serialize(topic.name(), id), value);
                    sender.flush();
                }
                spec.commandLine().getOut().println("relabeled " + id + ": " + current.label() + " -> " + label);
                spec.commandLine().getOut().flush();
            }
            return ExitCodes.OK;
        }

        /** The example's latest value, from the one partition its key goes to (the default partitioner's choice). */
        private LabeledExample current(KafkaConnection connection, Topic<String, LabeledExample> topic) {
            List<TopicPartition> partitions = connection.requireTopic(topic.name());
            byte[] key = topic.keySerde().serializer().serialize(topic.name(), id);
            int partition = Utils.toPositive(Utils.murmur2(key)) % partitions.size();
            LabeledExample[] latest = {null};
            try (var consumer = connection.consumer()) {
                TopicReader.readToEnd(consumer, List.of(new TopicPartition(topic.name(), partition)), r -> {
                    if (java.util.Arrays.equals(r.key(), key)) {
                        latest[0] = r.value() == null
                                ? null
                                : topic.valueSerde().deserializer().deserialize(topic.name(), r.value());
                    }
                });
            } catch (org.apache.kafka.common.KafkaException e) {
                throw connection.translate(e, topic.name());
            }
            if (latest[0] == null) {
                throw new CliException(
                        ExitCodes.REFUSED,
                        "no example with id " + id + " on " + topic.name() + " (never sent, or deleted)");
            }
            return latest[0];
        }
    }

    @Command(
            name = "delete",
            mixinStandardHelpOptions = true,
            description = "Deletes an example: a tombstone for its id; later training runs leave it out.")
    static final class Delete implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @Parameters(paramLabel = "ID", description = "The example's id.")
        String id;

        @Override
        public Integer call() {
            Topic<String, LabeledExample> topic = kafka.topic(StreamtuneTopics.EXAMPLES);
            try (var connection = new KafkaConnection(kafka);
                    var sender = new RecordSender(connection, topic.name())) {
                sender.send(topic.keySerde().serializer().serialize(topic.name(), id), null);
                sender.flush();
            }
            spec.commandLine().getOut().println("deleted " + id + " (tombstone on " + topic.name() + ")");
            spec.commandLine().getOut().flush();
            return ExitCodes.OK;
        }
    }
}
