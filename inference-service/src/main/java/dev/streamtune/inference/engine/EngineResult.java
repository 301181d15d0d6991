package dev.streamtune.inference.engine;

import java.util.List;

/** The outcomes of one submitted list of texts, in order, all made by one model version. */
public record EngineResult(String model, long version, List<String> labels, List<ClassifyOutcome> outcomes) {

    public EngineResult {
        labels = List.copyOf(labels);
        outcomes = List.copyOf(outcomes);
    }
}
