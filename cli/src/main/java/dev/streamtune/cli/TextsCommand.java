package dev.streamtune.cli;

import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.event.TextInput;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import dev.streamtune.common.validation.InputValidator;
import dev.streamtune.common.validation.Validated;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Texts to classify, on the texts topic. */
@Command(
        name = "texts",
        mixinStandardHelpOptions = true,
        description = "Texts to classify.",
        subcommands = {TextsCommand.Send.class})
final class TextsCommand {

    private TextsCommand() {}

    @Command(
            name = "send",
            mixinStandardHelpOptions = true,
            description = "Sends texts from the arguments, a file (one text per line, or --jsonl) or stdin (no text"
                    + " and no file, or -). Prints each record's key, which its prediction keeps.")
    static final class Send implements Callable<Integer> {

        @Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Mixin
        KafkaOptions kafka;

        @Parameters(paramLabel = "TEXT", arity = "0..*", description = "Texts to send; - reads stdin.")
        List<String> texts = List.of();

        @Option(names = "--file", paramLabel = "FILE", description = "One text per line; - for stdin.")
        Path file;

        @Option(
                names = "--jsonl",
                description = "Lines are JSON objects {\"id\"?,\"text\",\"attributes\"?}; the id becomes the key.")
        boolean jsonl;

        @Option(
                names = "--attribute",
                paramLabel = "KEY=VALUE",
                description = "Attribute on every text (echoed on review items); repeatable.")
        Map<String, String> attributes = Map.of();

        @Option(names = "--key", description = "Key of every record (default: the id, else a random UUID).")
        String key;

        @Override
        public Integer call() throws IOException {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Topic<String, TextInput> topic = kafka.topic(StreamtuneTopics.TEXTS);
            long invalid = 0;
            try (var connection = new KafkaConnection(kafka);
                    var sender = new RecordSender(connection, topic.name());
                    var lines = lines()) {
                int n = 0;
                for (String line : (Iterable<String>) lines::iterator) {
                    n++;
                    if (line.isBlank()) {
                        continue;
                    }
                    TextInput input = parse(line, n, err);
                    if (input == null) {
                        invalid++;
                        continue;
                    }
                    String recordKey = key != null
                            ? key
                            : input.id() != null
                                    ? input.id()
                                    : UUID.randomUUID().toString();
                    byte[] keyBytes = topic.keySerde().serializer().serialize(topic.name(), recordKey);
                    byte[] value = topic.valueSerde().serializer().serialize(topic.name(), input);
                    // the inference service's own rules: an invalid text would only reach the DLQ
                    if (InputValidator.DEFAULT.parseText(keyBytes, value) instanceof Validated.Invalid<TextInput> bad) {
                        err.println(
                                "text " + n + ": not sent: " + bad.rejection().reason());
                        invalid++;
                        continue;
                    }
                    sender.send(keyBytes, value);
                    out.println(recordKey);
                }
                long sent = sender.flush();
                out.flush();
                err.println("sent " + sent + " texts to " + topic.name()
                        + (invalid > 0 ? "; " + invalid + " invalid, not sent" : ""));
                err.flush();
            }
            return invalid > 0 ? ExitCodes.INVALID_INPUT : ExitCodes.OK;
        }

        private TextInput parse(String line, int n, PrintWriter err) {
            if (!jsonl) {
                return new TextInput(SchemaVersions.CURRENT, null, line, attributes);
            }
            try {
                TextInput parsed = Json.mapper().readValue(line, TextInput.class);
                var merged = new java.util.HashMap<>(attributes);
                merged.putAll(parsed.attributes());
                return new TextInput(parsed.schemaVersion(), parsed.id(), parsed.text(), merged);
            } catch (IOException e) {
                err.println("line " + n + ": not sent: not a JSON text input: " + e.getMessage());
                return null;
            }
        }

        private java.util.stream.Stream<String> lines() throws IOException {
            if (file != null) {
                return read(file);
            }
            if (texts.isEmpty() || texts.equals(List.of("-"))) {
                return read(Path.of("-"));
            }
            return texts.stream();
        }

        private static java.util.stream.Stream<String> read(Path path) throws IOException {
            if (path.toString().equals("-")) {
                return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).lines();
            }
            if (!Files.isReadable(path)) {
                throw new CliException(ExitCodes.USAGE, "cannot read " + path);
            }
            return Files.lines(path, StandardCharsets.UTF_8);
        }
    }
}
