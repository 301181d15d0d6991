package dev.streamtune.trainer.bench;

import dev.streamtune.kafka.quarkus.EmbeddedKafkaTestResource;
import io.quarkus.test.common.WithTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;

@QuarkusTest
@WithTestResource(EmbeddedKafkaTestResource.class)
@TestProfile(PublishLatency6LayerBench.SixLayers.class)
class PublishLatency6LayerBench extends PublishLatencyBench {

    public static class SixLayers extends Settings {
        @Override
        int layers() {
            return 6;
        }
    }
}
