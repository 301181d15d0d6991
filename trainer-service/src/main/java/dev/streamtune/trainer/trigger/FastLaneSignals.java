package dev.streamtune.trainer.trigger;

import dev.streamtune.common.model.ModelRegistryEvent;
import dev.streamtune.trainer.config.TrainerConfig;
import dev.streamtune.trainer.kafka.StreamsDatasetAccess;
import dev.streamtune.trainer.publish.RegistryView;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/** The fast lane's view of the trainer: the live version from the registry, the labels from the dataset. */
public final class FastLaneSignals implements FastLaneTrigger.Signals {

    private final String model;
    private final RegistryView registry;
    private final StreamsDatasetAccess dataset;

    FastLaneSignals(String model, RegistryView registry, StreamsDatasetAccess dataset) {
        this.model = model;
        this.registry = registry;
        this.dataset = dataset;
    }

    /** The fast-lane trigger as configured: on only when automatic triggers are. */
    public static FastLaneTrigger trigger(TrainerConfig config, RegistryView registry, StreamsDatasetAccess dataset) {
        TrainerConfig.FastLane fast = config.fastLane();
        return new FastLaneTrigger(
                new FastLaneTrigger.Settings(
                        fast.enabled() && config.triggers().automatic(),
                        fast.debounce(),
                        fast.maxDelay(),
                        fast.minChanges(),
                        fast.minInterval()),
                new FastLaneSignals(config.model(), registry, dataset));
    }

    @Override
    public boolean championLive() {
        return live().isPresent();
    }

    @Override
    public boolean labelChampionLacks() {
        Optional<ModelRegistryEvent> live = live();
        if (live.isEmpty() || live.get().manifest() == null || !dataset.ready()) {
            return false;
        }
        Set<String> present = new HashSet<>();
        dataset.stats()
                .labelCounts()
                .values()
                .forEach(counts -> counts.forEach((label, n) -> {
                    if (n > 0) {
                        present.add(label);
                    }
                }));
        return !live.get().manifest().labels().containsAll(present);
    }

    private Optional<ModelRegistryEvent> live() {
        return registry.live(model);
    }
}
