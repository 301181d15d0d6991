package dev.streamtune.trainer.publish;

import dev.streamtune.common.model.ModelRegistryEvent;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** What the models topic says about a model: the live version and every version's record. */
public interface RegistryView {

    Optional<ModelRegistryEvent> live(String model);

    /** PUBLISHED and REJECTED version records, oldest version first. */
    List<ModelRegistryEvent> versions(String model);

    default Optional<ModelRegistryEvent> version(String model, long version) {
        return versions(model).stream().filter(v -> v.version() == version).findFirst();
    }

    /** Highest version number the registry has seen for {@code model}, 0 when none. */
    default long maxVersion(String model) {
        long max = versions(model).stream()
                .map(ModelRegistryEvent::version)
                .max(Comparator.naturalOrder())
                .orElse(0L);
        return Math.max(max, live(model).map(ModelRegistryEvent::version).orElse(0L));
    }
}
