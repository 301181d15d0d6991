package dev.streamtune.inference.fault;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** The fault suite's one table: printed at the end and written to {@code target/fault-suite/results.md}. */
final class ResultTable {

    private static final List<ScenarioResult> RESULTS = new ArrayList<>();

    private ResultTable() {}

    static synchronized void add(ScenarioResult result) {
        RESULTS.add(result);
    }

    static synchronized String render() {
        StringBuilder out = new StringBuilder();
        out.append("| scenario | inputs | predictions | missing | duplicated | dead-lettered | longest output stall |"
                + " restart → first commit |\n");
        out.append("|---|---:|---:|---:|---:|---:|---:|---|\n");
        for (ScenarioResult r : RESULTS) {
            out.append("| ")
                    .append(r.scenario())
                    .append(" | ")
                    .append(r.inputs())
                    .append(" | ")
                    .append(r.predicted())
                    .append(" | ")
                    .append(r.missing())
                    .append(" | ")
                    .append(r.duplicated())
                    .append(" | ")
                    .append(r.deadLettered())
                    .append(" | ")
                    .append(seconds(r.longestStall()))
                    .append(" | ")
                    .append(
                            r.restartToFirstOutput().isEmpty()
                                    ? "–"
                                    : r.restartToFirstOutput().stream()
                                            .map(ResultTable::seconds)
                                            .collect(Collectors.joining(", ")))
                    .append(" |\n");
        }
        return out.toString();
    }

    static synchronized void write(Path file) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, render());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String seconds(Duration d) {
        return String.format("%.1f s", d.toMillis() / 1000.0);
    }
}
