package dev.streamtune.trainer.kafka;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.trainer.dataset.TrainerSignals;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Hands the topology's signals to the scheduler, which starts after the topology exists; signals that arrive before
 * it does wait here and are replayed in order.
 */
public final class SignalRelay implements TrainerSignals {

    private final List<Consumer<TrainerSignals>> waiting = new ArrayList<>();
    private TrainerSignals target;

    public synchronized void connect(TrainerSignals target) {
        this.target = target;
        waiting.forEach(signal -> signal.accept(target));
        waiting.clear();
    }

    @Override
    public void onCommand(TrainerCommand command) {
        deliver(t -> t.onCommand(command));
    }

    @Override
    public void onDriftAlert(AlertEvent alert) {
        deliver(t -> t.onDriftAlert(alert));
    }

    private void deliver(Consumer<TrainerSignals> signal) {
        TrainerSignals now;
        synchronized (this) {
            now = target;
            if (now == null) {
                waiting.add(signal);
                return;
            }
        }
        signal.accept(now);
    }
}
