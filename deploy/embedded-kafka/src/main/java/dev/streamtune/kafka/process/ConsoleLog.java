package dev.streamtune.kafka.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The file a child process writes its console to, across restarts: each start appends a header line, and the lines
 * written since the last start can be read as they arrive.
 */
final class ConsoleLog {

    private final Path file;
    private long scanned;
    private final StringBuilder partialLine = new StringBuilder();

    ConsoleLog(Path file) {
        this.file = file;
    }

    Path file() {
        return file;
    }

    /** Appends a header; {@link #readNewLines()} from now on only sees what follows it. */
    synchronized void markStart(String header) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Files.writeString(
                    file,
                    "---- " + header + System.lineSeparator(),
                    StandardCharsets.UTF_8,
                    StandardOpenOption.CREATE,
                    StandardOpenOption.APPEND);
            scanned = Files.size(file);
            partialLine.setLength(0);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    /** The last {@code maxLines} lines of the whole file (every start). */
    String tail(int maxLines) {
        try {
            List<String> lines = Files.exists(file) ? Files.readAllLines(file, StandardCharsets.UTF_8) : List.of();
            return String.join(
                    System.lineSeparator(), lines.subList(Math.max(0, lines.size() - maxLines), lines.size()));
        } catch (IOException e) {
            return "(cannot read " + file + ": " + e + ")";
        }
    }

    /** The complete lines written since the last call (or the last start). */
    synchronized List<String> readNewLines() {
        var lines = new ArrayList<String>();
        try (var in = new RandomAccessFile(file.toFile(), "r")) {
            long length = in.length();
            if (length <= scanned) {
                return lines;
            }
            byte[] bytes = new byte[Math.toIntExact(length - scanned)];
            in.seek(scanned);
            in.readFully(bytes);
            scanned = length;
            partialLine.append(new String(bytes, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
        int end;
        while ((end = partialLine.indexOf("\n")) >= 0) {
            lines.add(partialLine.substring(0, end));
            partialLine.delete(0, end + 1);
        }
        return lines;
    }
}
