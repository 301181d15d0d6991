package dev.streamtune.cli;

import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.common.event.SchemaVersions;
import dev.streamtune.common.json.Json;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * Where labeled examples come from: JSONL (the topic's own JSON, one per line), CSV with named columns, or a folder per
 * label with one text per file. An example without an id gets one from its text's SHA-256, so sending the same file
 * twice sends the same ids (a correction, not a duplicate).
 */
final class ExampleSources {

    /** One example read, or why the entry could not be read ({@code example} null). */
    record Entry(String where, LabeledExample example, String problem) {}

    private ExampleSources() {}

    static void jsonl(Path file, String source, InputStream stdin, Consumer<Entry> sink) {
        try (BufferedReader in = reader(file, stdin)) {
            String line;
            int n = 0;
            while ((line = in.readLine()) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                String where = name(file) + ":" + n;
                try {
                    LabeledExample e = Json.mapper().readValue(line, LabeledExample.class);
                    sink.accept(new Entry(where, complete(e, source), null));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    sink.accept(new Entry(where, null, "not a JSON example: " + e.getOriginalMessage()));
                }
            }
        } catch (IOException e) {
            throw unreadable(file, e);
        }
    }

    record CsvColumns(String text, String label, String id, String source) {}

    static void csv(Path file, CsvColumns columns, String source, InputStream stdin, Consumer<Entry> sink) {
        var schema = CsvSchema.emptySchema().withHeader();
        try (Reader in = reader(file, stdin);
                MappingIterator<Map<String, String>> rows = new CsvMapper()
                        .readerForMapOf(String.class)
                        .with(schema)
                        .readValues(in)) {
            var header = ((CsvSchema) rows.getParser().getSchema());
            for (String required : new String[] {columns.text(), columns.label()}) {
                if (header.column(required) == null) {
                    throw new CliException(
                            ExitCodes.USAGE,
                            name(file) + " has no column '" + required + "' (columns: " + header.getColumnDesc()
                                    + "); name yours with --text-column/--label-column");
                }
            }
            int n = 1;
            while (rows.hasNextValue()) {
                n++;
                Map<String, String> row = rows.nextValue();
                String rowSource = columns.source() == null ? source : row.getOrDefault(columns.source(), source);
                var example = new LabeledExample(
                        SchemaVersions.CURRENT,
                        columns.id() == null ? null : blankToNull(row.get(columns.id())),
                        row.get(columns.text()),
                        row.get(columns.label()),
                        blankToNull(rowSource),
                        null);
                sink.accept(new Entry(name(file) + ":" + n, complete(example, source), null));
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof CliException cli) {
                throw cli;
            }
            throw new CliException(ExitCodes.USAGE, "cannot read CSV " + name(file) + ": " + e.getMessage(), e);
        }
    }

    /** Every regular file under DIR/LABEL/ (hidden ones skipped), label = the folder's name. */
    static void folders(Path dir, String source, Consumer<Entry> sink) {
        if (!Files.isDirectory(dir)) {
            throw new CliException(ExitCodes.USAGE, dir + " is not a directory (expected one folder per label)");
        }
        try (Stream<Path> labels = Files.list(dir)) {
            for (Path labelDir : labels.filter(Files::isDirectory)
                    .filter(p -> !hidden(p))
                    .sorted()
                    .toList()) {
                String label = labelDir.getFileName().toString();
                try (Stream<Path> files = Files.list(labelDir)) {
                    for (Path f : files.filter(Files::isRegularFile)
                            .filter(p -> !hidden(p))
                            .sorted()
                            .toList()) {
                        sink.accept(readFile(f, label, source));
                    }
                }
            }
        } catch (IOException e) {
            throw unreadable(dir, e);
        }
    }

    private static Entry readFile(Path f, String label, String source) throws IOException {
        try {
            String text = StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(Files.readAllBytes(f)))
                    .toString()
                    .strip();
            return new Entry(
                    f.toString(),
                    complete(new LabeledExample(SchemaVersions.CURRENT, null, text, label, source, null), source),
                    null);
        } catch (CharacterCodingException e) {
            return new Entry(f.toString(), null, "not UTF-8 text");
        }
    }

    private static LabeledExample complete(LabeledExample e, String source) {
        String id = e.id() == null || e.id().isBlank() ? contentId(e.text()) : e.id();
        return new LabeledExample(
                e.schemaVersion(), id, e.text(), e.label(), e.source() == null ? source : e.source(), e.ts());
    }

    /** {@code sha256:} and the first 128 bits of the text's SHA-256, in hex. */
    static String contentId(String text) {
        if (text == null) {
            return null;
        }
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
            return "sha256:" + HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static BufferedReader reader(Path file, InputStream stdin) throws IOException {
        if (file.toString().equals("-")) {
            return new BufferedReader(new InputStreamReader(stdin, StandardCharsets.UTF_8));
        }
        if (!Files.isReadable(file)) {
            throw new CliException(ExitCodes.USAGE, "cannot read " + file);
        }
        return Files.newBufferedReader(file, StandardCharsets.UTF_8);
    }

    private static String name(Path file) {
        return file.toString().equals("-") ? "stdin" : file.toString();
    }

    private static boolean hidden(Path p) {
        return p.getFileName().toString().startsWith(".");
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }

    private static CliException unreadable(Path file, IOException e) {
        return new CliException(ExitCodes.USAGE, "cannot read " + file + ": " + e.getMessage(), e);
    }
}
