package dev.streamtune.inference.rest;

import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** Predictions in request order, all made by one model version. */
public record ClassifyResponse(String model, long version, List<Item> predictions) {

    /**
     * @param error set (and the other fields empty) when this text alone could not be classified
     */
    @Schema(name = "ClassifyPrediction")
    public record Item(
            String label,
            Double confidence,
            Map<String, Double> scores,
            Integer tokens,
            Boolean truncated,
            String error) {}
}
