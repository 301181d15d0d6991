package dev.streamtune.kafka.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.streamtune.kafka.EmbeddedKafkaException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterIdsTest {

    @TempDir
    Path dir;

    @Test
    void shouldCreateANewIdWhenNoNodeIsFormatted() {
        String id = ClusterIds.readOrCreate(List.of(dir.resolve("node-1"), dir.resolve("node-2")));

        assertThat(id).hasSize(22);
        assertThat(ClusterIds.readOrCreate(List.of(dir.resolve("node-1")))).isNotEqualTo(id);
    }

    @Test
    void shouldReuseTheIdOfTheFormattedNodes() throws Exception {
        format("node-1", "AAAAAAAAAAAAAAAAAAAAAA");
        format("node-3", "AAAAAAAAAAAAAAAAAAAAAA");

        assertThat(ClusterIds.readOrCreate(
                        List.of(dir.resolve("node-1"), dir.resolve("node-2"), dir.resolve("node-3"))))
                .isEqualTo("AAAAAAAAAAAAAAAAAAAAAA");
    }

    @Test
    void shouldRefuseNodesOfDifferentClusters() throws Exception {
        format("node-1", "AAAAAAAAAAAAAAAAAAAAAA");
        format("node-2", "BBBBBBBBBBBBBBBBBBBBBB");

        assertThatThrownBy(() -> ClusterIds.readOrCreate(List.of(dir.resolve("node-1"), dir.resolve("node-2"))))
                .isInstanceOf(EmbeddedKafkaException.class)
                .hasMessageContaining("different clusters");
    }

    private void format(String node, String clusterId) throws Exception {
        Path logs = Files.createDirectories(dir.resolve(node).resolve("kafka-logs"));
        Files.writeString(logs.resolve("meta.properties"), "version=1\ncluster.id=" + clusterId + "\nnode.id=1\n");
    }
}
