package dev.streamtune.trainer.training;

import java.util.List;

/** A model that can score texts: the candidate being gated, or a published model loaded for comparison. */
public interface Classifier extends AutoCloseable {

    /** Label names in the order of {@link #predict}'s probabilities. */
    List<String> labels();

    /** Class probabilities of each text, in {@link #labels()} order. */
    List<double[]> predict(List<String> texts);

    @Override
    void close();
}
