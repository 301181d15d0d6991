package dev.streamtune.inference.fault;

import dev.streamtune.common.event.Prediction;
import dev.streamtune.common.json.JsonSerde;
import dev.streamtune.inference.stream.ClassifyLoop;
import dev.streamtune.inference.support.KafkaTestSupport;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * What a scenario's read_committed outputs say about its inputs: every input key must have exactly one prediction or
 * one dead letter. Also the longest time without any new output while inputs were still waiting, and for each
 * restart how long until the first output after it.
 *
 * @param predicted input keys with at least one prediction
 * @param missing input keys with neither a prediction nor a dead letter
 * @param duplicated outputs beyond the first for an input key (a second prediction, or a prediction and a dead letter)
 * @param deadLettered input keys dead-lettered
 * @param restartToFirstOutput per restart, from the process start to the first output produced after it (with
 *     {@code perProcess}, before the next restart: the output of the process that restart started; a restart whose
 *     process made none before it was killed has no entry)
 */
record ScenarioResult(
        String scenario,
        int inputs,
        int predicted,
        int missing,
        int duplicated,
        int deadLettered,
        Duration longestStall,
        List<Duration> restartToFirstOutput) {

    private static final JsonSerde<Prediction> PREDICTIONS = JsonSerde.of(Prediction.class);

    static ScenarioResult count(
            String scenario,
            Map<String, Object> client,
            ClassifyLoop.Topics topics,
            Collection<String> inputKeys,
            List<Instant> restarts) {
        return count(scenario, client, topics, inputKeys, restarts, false);
    }

    /**
     * @param perProcess whether each restart counts only outputs before the next one: when each restart follows a
     *     kill, the first output after a restart may else be a later process's (one killed while it started up would
     *     be charged the next ones' start-up and the waits between the kills)
     */
    static ScenarioResult count(
            String scenario,
            Map<String, Object> client,
            ClassifyLoop.Topics topics,
            Collection<String> inputKeys,
            List<Instant> restarts,
            boolean perProcess) {
        Map<String, Integer> outputs = new HashMap<>();
        Set<String> predicted = new HashSet<>();
        Set<String> dead = new HashSet<>();
        List<Instant> times = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(client, topics.predictions(), true)) {
            String key = new String(r.key(), StandardCharsets.UTF_8);
            outputs.merge(key, 1, Integer::sum);
            predicted.add(key);
            times.add(PREDICTIONS.deserialize(r.topic(), r.value()).ts());
        }
        for (ConsumerRecord<byte[], byte[]> r : KafkaTestSupport.readAll(client, topics.dlq(), true)) {
            String key = r.key() == null ? "" : new String(r.key(), StandardCharsets.UTF_8);
            outputs.merge(key, 1, Integer::sum);
            dead.add(key);
            times.add(Instant.ofEpochMilli(r.timestamp()));
        }
        int missing = 0;
        int duplicated = 0;
        for (String key : inputKeys) {
            int n = outputs.getOrDefault(key, 0);
            if (n == 0) {
                missing++;
            } else {
                duplicated += n - 1;
            }
        }
        times.sort(null);
        Duration stall = Duration.ZERO;
        for (int i = 1; i < times.size(); i++) {
            Duration gap = Duration.between(times.get(i - 1), times.get(i));
            if (gap.compareTo(stall) > 0) {
                stall = gap;
            }
        }
        List<Duration> firstOutput = new ArrayList<>();
        for (int i = 0; i < restarts.size(); i++) {
            Instant restart = restarts.get(i);
            Instant next = perProcess && i + 1 < restarts.size() ? restarts.get(i + 1) : Instant.MAX;
            times.stream()
                    .filter(t -> !t.isBefore(restart) && t.isBefore(next))
                    .findFirst()
                    .ifPresent(t -> firstOutput.add(Duration.between(restart, t)));
        }
        return new ScenarioResult(
                scenario,
                inputKeys.size(),
                (int) inputKeys.stream().filter(predicted::contains).count(),
                missing,
                duplicated,
                (int) inputKeys.stream().filter(dead::contains).count(),
                stall,
                firstOutput);
    }

    /** Longest restart → first output, or null without restarts. */
    Duration slowestRestart() {
        return restartToFirstOutput.stream().max(Duration::compareTo).orElse(null);
    }
}
