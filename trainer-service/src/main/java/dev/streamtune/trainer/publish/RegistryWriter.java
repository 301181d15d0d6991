package dev.streamtune.trainer.publish;

import dev.streamtune.common.model.ModelRegistryEvent;
import java.util.List;
import java.util.function.Supplier;

/** Writes records to the models topic; several records in one call become visible together or not at all. */
public interface RegistryWriter {

    void write(List<ModelRegistryEvent> events);

    /**
     * Runs a check-then-write with no other check-then-write of this writer in between (an operator's promotion, a
     * run going live): the writer's monitor is the registry's one lock.
     */
    default <T> T exclusively(Supplier<T> checkThenWrite) {
        synchronized (this) {
            return checkThenWrite.get();
        }
    }
}
