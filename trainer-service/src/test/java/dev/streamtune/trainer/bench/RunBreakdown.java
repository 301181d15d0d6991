package dev.streamtune.trainer.bench;

import dev.streamtune.common.event.MonitoringEvent;
import dev.streamtune.common.event.TrainingProgressEvent;
import dev.streamtune.common.topic.StreamtuneTopics;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Where a run's time went, from its training-progress records on the monitoring topic: snapshot (and champion fetch),
 * load (base model or champion artifact), encode (encoder features; fast lane only), train, evaluate (candidate and
 * champion), export (ONNX, parity, int8 variant, baselines), seal (digests, signature, verification), publish (store
 * and registry).
 */
final class RunBreakdown {

    private final List<TrainingProgressEvent> events;

    private RunBreakdown(List<TrainingProgressEvent> events) {
        this.events = events;
    }

    /** Reads the monitoring topic from the start and keeps {@code runId}'s phase records (step records left out). */
    static RunBreakdown read(Map<String, Object> clientProperties, String runId) {
        Map<String, Object> config = new LinkedHashMap<>(clientProperties);
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "bench-breakdown-" + UUID.randomUUID());
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        List<TrainingProgressEvent> events = new ArrayList<>();
        try (var consumer = new KafkaConsumer<>(config, new StringDeserializer(), new ByteArrayDeserializer())) {
            consumer.subscribe(List.of(StreamtuneTopics.MONITORING_NAME));
            Instant deadline = Instant.now().plus(Duration.ofMinutes(5));
            // the run's last phase comes after its LIVE record (a full run caches its features in between)
            while (events.stream().noneMatch(e -> e.phase().equals("finished"))
                    && Instant.now().isBefore(deadline)) {
                for (var r : consumer.poll(Duration.ofMillis(500))) {
                    MonitoringEvent e = StreamtuneTopics.MONITORING
                            .valueSerde()
                            .deserializer()
                            .deserialize(StreamtuneTopics.MONITORING_NAME, r.value());
                    if (e instanceof TrainingProgressEvent p && runId.equals(p.runId())) {
                        events.add(p);
                    }
                }
            }
        }
        return new RunBreakdown(events);
    }

    Instant started() {
        return first("started", "");
    }

    Instant finished() {
        return first("finished", "");
    }

    /** Seconds per part, in run order; a part the run did not have (encode in a full run) is left out. */
    Map<String, Double> parts() {
        Map<String, Instant> marks = new LinkedHashMap<>();
        marks.put("snapshot", started());
        marks.put("load", first("preparing", ""));
        marks.put("encode", first("caching-features", "encoder features"));
        marks.put(
                "train",
                firstAfter("training", "", marks.get("encode") != null ? marks.get("encode") : marks.get("load")));
        marks.put("evaluate", first("evaluating", "candidate and champion"));
        marks.put("export", first("exporting", ""));
        marks.put("seal", first("sealing", ""));
        marks.put("publish", first("publishing", ""));
        marks.put(
                "cache-warm-up (after LIVE)",
                firstAfter("caching-features", "", marks.get("publish") == null ? Instant.MAX : marks.get("publish")));
        marks.put("end", finished());
        marks.values().removeIf(java.util.Objects::isNull);
        Map<String, Double> parts = new LinkedHashMap<>();
        List<Map.Entry<String, Instant>> list = new ArrayList<>(marks.entrySet());
        for (int i = 0; i + 1 < list.size(); i++) {
            parts.put(
                    list.get(i).getKey(),
                    seconds(list.get(i).getValue(), list.get(i + 1).getValue()));
        }
        return parts;
    }

    String format() {
        StringBuilder sb = new StringBuilder();
        parts().forEach((k, v) -> sb.append(String.format(Locale.ROOT, " %s=%.1fs", k, v)));
        return sb.toString().trim();
    }

    private Instant first(String phase, String messagePrefix) {
        return firstAfter(phase, messagePrefix, Instant.MIN);
    }

    private Instant firstAfter(String phase, String messagePrefix, Instant after) {
        return events.stream()
                .filter(e -> e.phase().equals(phase)
                        && (e.message() == null ? "" : e.message()).startsWith(messagePrefix)
                        && e.ts().isAfter(after))
                .map(TrainingProgressEvent::ts)
                .findFirst()
                .orElse(null);
    }

    static double seconds(Instant from, Instant to) {
        return Duration.between(from, to).toMillis() / 1000.0;
    }
}
