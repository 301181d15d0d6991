package dev.streamtune.common.topic;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The Strimzi {@code KafkaTopic} resources under {@code deploy/kubernetes/base/topics} are generated from
 * {@link StreamtuneTopics} and must stay equal to it. Strimzi's {@code v1} API (Strimzi 1.0 and later); no namespace:
 * the kustomize overlay sets it. Regenerate after a catalogue change with
 * {@code ./mvnw -pl common test -Dtest=KafkaTopicManifestsTest -Dstreamtune.regenerate=true}.
 */
class KafkaTopicManifestsTest {

    private static final Path DIR = Path.of("..", "deploy", "kubernetes", "base", "topics");
    private static final int FIRST_FILE_NUMBER = 20;

    /** Partitions per topic in production; the input-to-output path scales with the texts topic. */
    private static final Map<String, Integer> PARTITIONS = Map.of(
            StreamtuneTopics.TEXTS_NAME, 12,
            StreamtuneTopics.PREDICTIONS_NAME, 12,
            StreamtuneTopics.REVIEW_NAME, 3,
            StreamtuneTopics.EXAMPLES_NAME, 6,
            StreamtuneTopics.MODELS_NAME, 1,
            StreamtuneTopics.MONITORING_NAME, 3,
            StreamtuneTopics.COMMANDS_NAME, 1,
            StreamtuneTopics.DLQ_NAME, 3);

    static String manifest(Topic<?, ?> topic) {
        Map<String, String> config = new TreeMap<>(topic.creationConfigs());
        config.put("min.insync.replicas", "2");
        StringBuilder yaml = new StringBuilder()
                .append("# GENERATED from dev.streamtune.common.topic.StreamtuneTopics by KafkaTopicManifestsTest.\n")
                .append("# Do not edit: change the catalogue and regenerate (see that test).\n")
                .append("apiVersion: kafka.strimzi.io/v1\n")
                .append("kind: KafkaTopic\n")
                .append("metadata:\n")
                .append("  name: ")
                .append(topic.name().replace('.', '-'))
                .append('\n')
                .append("  labels:\n")
                .append("    strimzi.io/cluster: streamtune\n")
                .append("spec:\n")
                .append("  topicName: ")
                .append(topic.name())
                .append('\n')
                .append("  partitions: ")
                .append(PARTITIONS.get(topic.name()))
                .append('\n')
                .append("  replicas: 3\n")
                .append("  config:\n");
        config.forEach(
                (k, v) -> yaml.append("    ").append(k).append(": \"").append(v).append("\"\n"));
        return yaml.toString();
    }

    static Path fileOf(int index, Topic<?, ?> topic) {
        return DIR.resolve((FIRST_FILE_NUMBER + index) + "-kafkatopic-"
                + topic.name().substring("streamtune.".length()) + ".yaml");
    }

    @Test
    void shouldMatchTheTopicCatalogue() throws IOException {
        List<Topic<?, ?>> topics = StreamtuneTopics.all();
        assertThat(PARTITIONS).containsOnlyKeys(topics.stream().map(Topic::name).toList());
        boolean regenerate = Boolean.getBoolean("streamtune.regenerate");
        for (int i = 0; i < topics.size(); i++) {
            Path file = fileOf(i, topics.get(i));
            String expected = manifest(topics.get(i));
            if (regenerate) {
                Files.createDirectories(DIR);
                Files.writeString(file, expected);
            }
            assertThat(file)
                    .as("generated KafkaTopic for " + topics.get(i).name())
                    .exists();
            assertThat(Files.readString(file)).as(file.toString()).isEqualTo(expected);
        }
        try (var files = Files.list(DIR)) {
            assertThat(files.filter(f -> f.getFileName().toString().contains("-kafkatopic-"))
                            .filter(KafkaTopicManifestsTest::isGenerated))
                    .as("no generated KafkaTopic file for a topic the catalogue no longer has")
                    .hasSize(topics.size());
        }
    }

    private static boolean isGenerated(Path file) {
        try {
            return Files.readString(file).startsWith("# GENERATED");
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
