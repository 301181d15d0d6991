package dev.streamtune.trainer.bert.dataset;

import com.fasterxml.jackson.databind.JsonNode;
import dev.streamtune.common.json.Json;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads and writes JSONL files of {@code {"text": ..., "label": ...}} lines. */
public final class JsonlDatasets {

    private JsonlDatasets() {}

    /**
     * @throws IllegalArgumentException naming the file and line of the first malformed line (not JSON, no string
     *     {@code text} or {@code label}, empty text)
     */
    public static List<LabeledText> read(Path file) throws IOException {
        List<LabeledText> examples = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int number = 0;
            while ((line = reader.readLine()) != null) {
                number++;
                if (line.isBlank()) {
                    continue;
                }
                examples.add(parse(file, number, line));
            }
        }
        if (examples.isEmpty()) {
            throw new IllegalArgumentException(file + " holds no examples");
        }
        return examples;
    }

    private static LabeledText parse(Path file, int number, String line) {
        JsonNode node;
        try {
            node = Json.mapper().readTree(line);
        } catch (IOException e) {
            throw new IllegalArgumentException(file + ":" + number + ": not JSON (" + e.getMessage() + ")", e);
        }
        JsonNode text = node.get("text");
        JsonNode label = node.get("label");
        if (text == null || !text.isTextual() || text.asText().isBlank()) {
            throw new IllegalArgumentException(file + ":" + number + ": needs a non-empty string \"text\"");
        }
        if (label == null
                || !(label.isTextual() || label.isIntegralNumber())
                || label.asText().isBlank()) {
            throw new IllegalArgumentException(file + ":" + number + ": needs a string \"label\"");
        }
        return new LabeledText(text.asText(), label.asText());
    }

    public static void write(Path file, List<LabeledText> examples) throws IOException {
        try (BufferedWriter writer = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (LabeledText example : examples) {
                Map<String, String> line = new LinkedHashMap<>();
                line.put("text", example.text());
                line.put("label", example.label());
                writer.write(Json.mapper().writeValueAsString(line));
                writer.newLine();
            }
        }
    }

    /** Label names, sorted. */
    public static List<String> labelsOf(List<LabeledText> examples) {
        return examples.stream().map(LabeledText::label).distinct().sorted().toList();
    }
}
