package dev.streamtune.trainer.bert.training;

import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.trainer.bert.model.BertClassifier;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a fine-tuning run produced. Holds the trained model (native memory): close the result, or take the classifier
 * and close that.
 *
 * @param classifier the model with the kept weights: the best epoch's, or the mean of {@code averagedEpochs}'
 * @param history one entry per epoch run
 * @param bestEpoch the epoch with the best validation macro-F1 (1-based); its weights are the ones kept unless
 *     {@code averagedEpochs} is non-empty
 * @param averagedEpochs the epochs whose weights were averaged into the kept ones (see
 *     {@link FineTuneSettings#averageEpochs()}); empty when the best epoch's weights are kept
 * @param strategy the strategy that ran ({@link FineTuneStrategy#AUTO} resolved)
 * @param strategyReason why that strategy ran
 * @param warnings overfitting, small or unbalanced data, truncation, labels never seen in training
 * @param validationMetrics the returned model on the validation set
 * @param steps optimizer steps taken
 * @param trainSeqPerSec mean training throughput (sequences per second, validation passes excluded)
 * @param elapsed wall time of the whole run
 */
public record FineTuneResult(
        BertClassifier classifier,
        List<EpochMetrics> history,
        int bestEpoch,
        List<Integer> averagedEpochs,
        FineTuneStrategy strategy,
        String strategyReason,
        List<String> warnings,
        ClassificationMetrics validationMetrics,
        int trainExamples,
        int validationExamples,
        long steps,
        double trainSeqPerSec,
        Duration elapsed,
        FineTuneSettings settings)
        implements AutoCloseable {

    public FineTuneResult {
        history = List.copyOf(history);
        averagedEpochs = List.copyOf(averagedEpochs);
        warnings = List.copyOf(warnings);
    }

    /** True when early stopping ended the run before its last epoch. */
    /** The settings plus what the run chose and saw, as the manifest's hyper-parameters. */
    public Map<String, Object> hyperParameters() {
        Map<String, Object> hyper = new LinkedHashMap<>(settings.toHyperParameters());
        hyper.put("strategyUsed", strategy.name());
        hyper.put("strategyReason", strategyReason);
        hyper.put("bestEpoch", bestEpoch);
        if (!averagedEpochs.isEmpty()) {
            hyper.put("averagedEpochs", averagedEpochs);
        }
        hyper.put("epochsRun", history.size());
        hyper.put("steps", steps);
        hyper.put("layers", classifier.config().numHiddenLayers());
        hyper.put("trainExamples", trainExamples);
        hyper.put("validationExamples", validationExamples);
        return hyper;
    }

    public boolean stoppedEarly(int plannedEpochs) {
        return history.size() < plannedEpochs;
    }

    @Override
    public void close() {
        classifier.close();
    }
}
