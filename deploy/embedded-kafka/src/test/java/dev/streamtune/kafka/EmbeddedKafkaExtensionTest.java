package dev.streamtune.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.kafka.junit.WithEmbeddedKafka;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@WithEmbeddedKafka(createTopics = false, topicNames = "streamtune.texts=ext.texts")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EmbeddedKafkaExtensionTest {

    private final EmbeddedKafkaBroker constructorBroker;

    EmbeddedKafkaExtensionTest(EmbeddedKafkaBroker kafka) {
        this.constructorBroker = kafka;
    }

    @Test
    void shouldInjectOneBrokerPerClassIntoConstructorAndMethods(EmbeddedKafkaBroker kafka) throws Exception {
        assertThat(kafka).isSameAs(constructorBroker);
        assertThat(kafka.admin().describeCluster().nodes().get()).hasSize(1);
        assertThat(kafka.admin().listTopics().names().get()).doesNotContain("ext.texts");
        assertThat(kafka.streamtuneTopics()).extracting(t -> t.name()).contains("ext.texts");
    }

    @Nested
    class NestedTests {

        @Test
        void shouldShareTheEnclosingClassBroker(EmbeddedKafkaBroker kafka) {
            assertThat(kafka).isSameAs(constructorBroker);
        }
    }
}
