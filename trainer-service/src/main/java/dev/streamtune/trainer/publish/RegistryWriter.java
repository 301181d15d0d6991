package dev.streamtune.trainer.publish;

import dev.streamtune.common.model.ModelRegistryEvent;
import java.util.List;

/** Writes records to the models topic; several records in one call become visible together or not at all. */
public interface RegistryWriter {

    void write(List<ModelRegistryEvent> events);
}
