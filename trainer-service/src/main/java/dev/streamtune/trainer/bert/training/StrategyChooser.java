package dev.streamtune.trainer.bert.training;

import java.util.Locale;

/** Resolves {@link FineTuneStrategy#AUTO} from the data and the device, and says why. */
final class StrategyChooser {

    /** Below this many training examples only the head trains. */
    static final int MIN_EXAMPLES_FOR_ENCODER = 100;

    /**
     * A label with fewer examples than this keeps the encoder frozen only while the dataset is small
     * ({@link #RARE_LABEL_DATASET_LIMIT}): then its few examples are a sizeable share of what moves the encoder. In a
     * larger dataset the other labels' examples move it, and freezing it for one rare label would cost every label.
     */
    static final int MIN_PER_LABEL_FOR_ENCODER = 8;

    static final int RARE_LABEL_DATASET_LIMIT = 1_000;
    /** Above this many examples on a CPU the bottom half of the encoder stays frozen to bound the run time. */
    static final int MAX_EXAMPLES_FULL_ON_CPU = 20_000;

    private StrategyChooser() {}

    record Choice(FineTuneStrategy strategy, String reason) {}

    static Choice choose(FineTuneStrategy requested, int examples, int rarestLabel, boolean gpu) {
        if (requested != FineTuneStrategy.AUTO) {
            return new Choice(requested, "requested");
        }
        if (examples < MIN_EXAMPLES_FOR_ENCODER
                || (rarestLabel < MIN_PER_LABEL_FOR_ENCODER && examples < RARE_LABEL_DATASET_LIMIT)) {
            return new Choice(
                    FineTuneStrategy.HEAD_ONLY,
                    String.format(
                            Locale.ROOT,
                            "auto: %d training examples (rarest label %d) are too few to move the encoder without"
                                    + " overfitting (need >= %d, and >= %d per label below %d); training the head on"
                                    + " frozen encoder features, computed once",
                            examples,
                            rarestLabel,
                            MIN_EXAMPLES_FOR_ENCODER,
                            MIN_PER_LABEL_FOR_ENCODER,
                            RARE_LABEL_DATASET_LIMIT));
        }
        if (!gpu && examples > MAX_EXAMPLES_FULL_ON_CPU) {
            return new Choice(
                    FineTuneStrategy.FREEZE_BOTTOM,
                    String.format(
                            Locale.ROOT,
                            "auto: %d examples on a CPU (> %d): embeddings and the bottom half of the encoder stay"
                                    + " frozen, which about halves the backward pass",
                            examples,
                            MAX_EXAMPLES_FULL_ON_CPU));
        }
        return new Choice(
                FineTuneStrategy.FULL,
                String.format(
                        Locale.ROOT,
                        "auto: %d examples (rarest label %d) on %s: enough to fine-tune the whole encoder",
                        examples,
                        rarestLabel,
                        gpu ? "a GPU" : "the CPU"));
    }
}
