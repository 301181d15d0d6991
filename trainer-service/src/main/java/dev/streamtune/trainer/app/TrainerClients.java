package dev.streamtune.trainer.app;

import java.util.Map;

/** The settings every Kafka client of the trainer starts from (the Kafka client extension's, filtered). */
public record TrainerClients(Map<String, Object> config) {

    public TrainerClients {
        config = Map.copyOf(config);
    }
}
