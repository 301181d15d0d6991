package dev.streamtune.common.model;

import java.util.List;

/** An input whose probabilities the trainer recorded; a serving runtime must reproduce them before going live. */
public record SelfCheck(String text, List<Double> probabilities) {

    public SelfCheck {
        probabilities = List.copyOf(probabilities);
    }
}
