package dev.streamtune.trainer.gate;

import java.util.List;

/** The gate's verdict: accepted, or rejected with every rule that failed. */
public record GateDecision(boolean accepted, List<String> reasons) {

    public GateDecision {
        reasons = List.copyOf(reasons);
    }
}
