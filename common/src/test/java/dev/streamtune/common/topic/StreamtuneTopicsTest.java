package dev.streamtune.common.topic;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class StreamtuneTopicsTest {

    @Test
    void shouldDefineEveryTopicOnceWithUniqueNames() {
        assertThat(StreamtuneTopics.all())
                .extracting(Topic::name)
                .doesNotHaveDuplicates()
                .hasSize(8);
    }

    @Test
    void shouldCompactTheDatasetAndTheRegistryOnly() {
        assertThat(StreamtuneTopics.all())
                .filteredOn(t -> t.cleanupPolicy() == CleanupPolicy.COMPACT)
                .extracting(Topic::name)
                .containsExactlyInAnyOrder(StreamtuneTopics.EXAMPLES_NAME, StreamtuneTopics.MODELS_NAME);
        assertThat(StreamtuneTopics.EXAMPLES.creationConfigs()).containsEntry("cleanup.policy", "compact");
        assertThat(StreamtuneTopics.DLQ.creationConfigs()).containsEntry("cleanup.policy", "delete");
    }

    @Test
    void shouldRenameOnlyTheTopicsAConfigurationNames() {
        var renamed = StreamtuneTopics.all(Map.of(StreamtuneTopics.TEXTS_NAME, "acme.tickets"));

        assertThat(renamed).extracting(Topic::name).contains("acme.tickets", StreamtuneTopics.PREDICTIONS_NAME);
        assertThat(renamed).extracting(Topic::name).doesNotContain(StreamtuneTopics.TEXTS_NAME);
    }

    @Test
    void shouldRefuseABlankName() {
        assertThatThrownBy(() -> StreamtuneTopics.DLQ.withName(" ")).isInstanceOf(IllegalArgumentException.class);
    }
}
