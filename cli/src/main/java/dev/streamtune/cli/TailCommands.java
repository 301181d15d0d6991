package dev.streamtune.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.streamtune.common.dlq.DeadLetter;
import dev.streamtune.common.dlq.DeadLetters;
import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.event.ReviewItem;
import dev.streamtune.common.json.Json;
import dev.streamtune.common.topic.StreamtuneTopics;
import dev.streamtune.common.topic.Topic;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import picocli.CommandLine.Command;

/** {@code predictions tail}, {@code review tail}, {@code monitoring tail}, {@code dlq tail}: one line per record. */
final class TailCommands {

    private TailCommands() {}

    @Command(
            name = "predictions",
            mixinStandardHelpOptions = true,
            description = "Predictions: one per text, under the text's key.",
            subcommands = PredictionsTail.class)
    static final class Predictions {}

    @Command(
            name = "review",
            mixinStandardHelpOptions = true,
            description = "The review queue: low-confidence predictions with their text, to label.",
            subcommands = ReviewTail.class)
    static final class Review {}

    @Command(
            name = "monitoring",
            mixinStandardHelpOptions = true,
            description = "Training progress, validation, swaps, drift, alerts, errors and audit events.",
            subcommands = MonitoringTail.class)
    static final class Monitoring {}

    @Command(
            name = "dlq",
            mixinStandardHelpOptions = true,
            description = "Dead letters: every refused record with the reason.",
            subcommands = DlqTail.class)
    static final class Dlq {}

    @Command(name = "tail", mixinStandardHelpOptions = true, description = "Prints predictions as they are committed.")
    static final class PredictionsTail extends TailCommand<Prediction> {
        @Override
        Topic<String, Prediction> topic() {
            return StreamtuneTopics.PREDICTIONS;
        }

        @Override
        String header() {
            return String.format(
                    "%-24s  %-36s  %-16s  %10s  %-28s  %10s", "TIME", "KEY", "LABEL", "CONFIDENCE", "MODEL", "LATENCY");
        }

        @Override
        String row(ConsumerRecord<byte[], byte[]> r, Prediction p) {
            return String.format(
                    "%-24s  %-36s  %-16s  %10.3f  %-28s  %8d ms",
                    time(r), key(r), p.label(), p.confidence(), p.model() + " v" + p.version(), p.latencyMs());
        }
    }

    @Command(name = "tail", mixinStandardHelpOptions = true, description = "Prints the review queue.")
    static final class ReviewTail extends TailCommand<ReviewItem> {
        @Override
        Topic<String, ReviewItem> topic() {
            return StreamtuneTopics.REVIEW;
        }

        @Override
        String header() {
            return String.format("%-24s  %-36s  %-16s  %10s  %s", "TIME", "KEY", "LABEL", "CONFIDENCE", "TEXT");
        }

        @Override
        String row(ConsumerRecord<byte[], byte[]> r, ReviewItem item) {
            Prediction p = item.prediction();
            return String.format(
                    "%-24s  %-36s  %-16s  %10.3f  %s",
                    time(r),
                    key(r),
                    p == null ? "" : p.label(),
                    p == null ? Double.NaN : p.confidence(),
                    abbreviate(item.text(), 80));
        }
    }

    @Command(name = "tail", mixinStandardHelpOptions = true, description = "Prints monitoring events.")
    static final class MonitoringTail extends TailCommand<MonitoringEvent> {
        @Override
        Topic<String, MonitoringEvent> topic() {
            return StreamtuneTopics.MONITORING;
        }

        @Override
        String header() {
            return String.format("%-24s  %-24s  %-17s  %s", "TIME", "MODEL", "TYPE", "DETAILS");
        }

        @Override
        String row(ConsumerRecord<byte[], byte[]> r, MonitoringEvent e) {
            ObjectNode node = Json.mapper().valueToTree(e);
            String type = node.path("type").asText();
            for (String common : new String[] {"schemaVersion", "type", "model", "instance", "ts"}) {
                node.remove(common);
            }
            var details = new StringBuilder();
            for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                var field = it.next();
                JsonNode v = field.getValue();
                details.append(details.length() == 0 ? "" : " ")
                        .append(field.getKey())
                        .append('=')
                        .append(v.isValueNode() ? v.asText() : v.toString());
            }
            return String.format(
                    "%-24s  %-24s  %-17s  %s", time(r), e.model(), type, abbreviate(details.toString(), 160));
        }
    }

    @Command(name = "tail", mixinStandardHelpOptions = true, description = "Prints dead letters with their reasons.")
    static final class DlqTail extends TailCommand<byte[]> {
        @Override
        Topic<byte[], byte[]> topic() {
            return StreamtuneTopics.DLQ;
        }

        @Override
        String header() {
            return String.format("%-24s  %-20s  %-32s  %-20s  %s", "TIME", "REASON", "SOURCE", "COMPONENT", "VALUE");
        }

        @Override
        String row(ConsumerRecord<byte[], byte[]> r, byte[] value) {
            DeadLetter d = DeadLetters.read(r.headers());
            return String.format(
                    "%-24s  %-20s  %-32s  %-20s  %s",
                    time(r),
                    d.reasonCode(),
                    d.sourceTopic() + "/" + d.sourcePartition() + "@" + d.sourceOffset(),
                    d.component(),
                    abbreviate(utf8(value), 60) + "  (" + abbreviate(d.reason(), 100) + ")");
        }

        @Override
        JsonNode json(ConsumerRecord<byte[], byte[]> r, byte[] value) {
            ObjectNode node = Json.mapper().createObjectNode();
            node.put("value", utf8(value));
            node.set("deadLetter", Json.mapper().valueToTree(DeadLetters.read(r.headers())));
            return node;
        }
    }

    static String time(ConsumerRecord<?, ?> r) {
        return Instant.ofEpochMilli(r.timestamp()).toString();
    }

    static String key(ConsumerRecord<byte[], byte[]> r) {
        return r.key() == null ? "-" : abbreviate(utf8(r.key()), 36);
    }

    static String utf8(byte[] bytes) {
        return bytes == null ? "null" : new String(bytes, StandardCharsets.UTF_8);
    }

    /** One line, at most {@code max} characters: control characters shown as spaces. */
    static String abbreviate(String s, int max) {
        if (s == null) {
            return "";
        }
        String line = s.replaceAll("\\p{Cntrl}", " ");
        return line.length() <= max ? line : line.substring(0, max - 1) + "…";
    }
}
