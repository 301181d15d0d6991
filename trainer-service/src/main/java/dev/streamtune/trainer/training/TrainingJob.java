package dev.streamtune.trainer.training;

import dev.streamtune.common.event.LabeledExample;
import dev.streamtune.trainer.bert.features.FeatureCache;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One fine-tuning request.
 *
 * @param labels label names in the order the new head must use (the champion's first, new ones appended)
 * @param warmStart a verified artifact directory whose weights training starts from, if any
 * @param lane {@link Lane#FAST}: head only on {@code warmStart}'s frozen encoder (which it then requires)
 * @param features where encoder features are cached across runs
 */
public record TrainingJob(
        String runId,
        List<LabeledExample> train,
        List<LabeledExample> validation,
        List<String> labels,
        TrainingSettings settings,
        Optional<Path> warmStart,
        Lane lane,
        FeatureCache features) {

    public TrainingJob {
        Objects.requireNonNull(runId, "runId");
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        labels = List.copyOf(labels);
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(warmStart, "warmStart");
        Objects.requireNonNull(lane, "lane");
        Objects.requireNonNull(features, "features");
        if (lane == Lane.FAST && warmStart.isEmpty()) {
            throw new IllegalArgumentException("a fast-lane run refreshes a champion's head: it needs a warm start");
        }
    }
}
