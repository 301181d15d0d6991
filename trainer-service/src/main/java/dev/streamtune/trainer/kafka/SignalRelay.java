package dev.streamtune.trainer.kafka;

import dev.streamtune.common.event.AlertEvent;
import dev.streamtune.common.event.TrainerCommand;
import dev.streamtune.trainer.dataset.TrainerSignals;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.jboss.logging.Logger;

/**
 * Hands the topology's signals to the scheduler, which starts after the topology exists; signals that arrive before
 * it does wait here and are replayed in order.
 */
public final class SignalRelay implements TrainerSignals {

    private static final Logger LOG = Logger.getLogger(SignalRelay.class);

    private final List<Consumer<TrainerSignals>> waiting = new ArrayList<>();
    private TrainerSignals target;

    /** Replays what waited, each signal on its own: one that fails is logged and does not hold back the others. */
    public synchronized void connect(TrainerSignals target) {
        this.target = target;
        for (Consumer<TrainerSignals> signal : waiting) {
            try {
                signal.accept(target);
            } catch (RuntimeException e) {
                LOG.errorf(e, "A signal that arrived during start-up failed: %s", e.toString());
            }
        }
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
