package dev.streamtune.trainer.it;

import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.common.model.RegistryStatus;
import dev.streamtune.trainer.kafka.ModelsTopicReader;
import dev.streamtune.trainer.publish.RegistryView;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** The registry as a read_committed reader of the models topic sees it (what an inference service sees). */
final class TopicRegistryView implements RegistryView {

    private final ModelsTopicReader reader;

    TopicRegistryView(String topic, Map<String, Object> clientConfig) {
        this.reader = new ModelsTopicReader(topic, clientConfig);
    }

    /** Latest record per key, read to the end of the topic now. */
    Map<String, ModelRegistryEvent> read() {
        return reader.latest(Duration.ofSeconds(30));
    }

    @Override
    public Optional<ModelRegistryEvent> live(String model) {
        return Optional.ofNullable(read().get(ModelRegistryEvent.liveKey(model)));
    }

    @Override
    public List<ModelRegistryEvent> versions(String model) {
        List<ModelRegistryEvent> versions = new ArrayList<>();
        read().forEach((k, v) -> {
            if (k.startsWith(model + "/v") && v.status() != RegistryStatus.LIVE) {
                versions.add(v);
            }
        });
        versions.sort(Comparator.comparingLong(ModelRegistryEvent::version));
        return versions;
    }
}
