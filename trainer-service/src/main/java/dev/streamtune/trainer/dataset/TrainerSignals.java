package dev.streamtune.trainer.dataset;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.TrainerCommand;

/** What the topology tells the rest of the trainer: operator commands and drift alerts for this model. */
public interface TrainerSignals {

    void onCommand(TrainerCommand command);

    void onDriftAlert(AlertEvent alert);

    /** Ignores everything (topology tests that only look at the dataset). */
    TrainerSignals NONE = new TrainerSignals() {
        @Override
        public void onCommand(TrainerCommand command) {}

        @Override
        public void onDriftAlert(AlertEvent alert) {}
    };
}
