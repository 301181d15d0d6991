package dev.streamtune.trainer.training;

import dev.streamtune.common.event.LabeledExample;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One fine-tuning request.
 *
 * @param labels label names in the order the new head must use (the champion's first, new ones appended)
 * @param warmStart a verified artifact directory whose weights training starts from, if any
 */
public record TrainingJob(
        String runId,
        List<LabeledExample> train,
        List<LabeledExample> validation,
        List<String> labels,
        TrainingSettings settings,
        Optional<Path> warmStart) {

    public TrainingJob {
        Objects.requireNonNull(runId, "runId");
        train = List.copyOf(train);
        validation = List.copyOf(validation);
        labels = List.copyOf(labels);
        Objects.requireNonNull(settings, "settings");
        Objects.requireNonNull(warmStart, "warmStart");
    }
}
