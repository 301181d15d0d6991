package dev.streamtune.trainer.bert.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.tokenizer.Truncation;
import dev.streamtune.trainer.bert.training.FineTuneSettings;
import java.util.Map;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The recipe's knobs reach the fine-tuning settings from the command line; those not given keep their defaults. */
class FineTuneOptionsTest {

    @Test
    void shouldPassOptimizerRegularisationAndClassWeightOptionsToTheSettings() {
        FineTuneCommand command = new FineTuneCommand();
        new CommandLine(command)
                .parseArgs(
                        "--train=t.jsonl",
                        "--output=out",
                        "--weight-decay=0.05",
                        "--warmup=0.2",
                        "--dropout=0.3",
                        "--max-grad-norm=0.5",
                        "--class-weights=spam=2.5,ham=1",
                        "--truncation=head-tail");

        FineTuneSettings settings = command.settings();

        assertThat(settings.weightDecay()).isEqualTo(0.05);
        assertThat(settings.warmupFraction()).isEqualTo(0.2);
        assertThat(settings.dropout()).isEqualTo(0.3);
        assertThat(settings.maxGradNorm()).isEqualTo(0.5);
        assertThat(settings.classWeights()).isEqualTo(Map.of("spam", 2.5, "ham", 1.0));
        assertThat(settings.truncation()).isEqualTo(Truncation.HEAD_TAIL);
        assertThat(settings.toHyperParameters()).containsEntry("truncation", "head-tail");
    }

    @Test
    void shouldKeepTheRecipeDefaultsForOptionsNotGiven() {
        FineTuneCommand command = new FineTuneCommand();
        new CommandLine(command).parseArgs("--train=t.jsonl", "--output=out");

        FineTuneSettings settings = command.settings();
        FineTuneSettings defaults = FineTuneSettings.defaults();

        assertThat(settings.weightDecay()).isEqualTo(defaults.weightDecay());
        assertThat(settings.warmupFraction()).isEqualTo(defaults.warmupFraction());
        assertThat(settings.dropout()).isEqualTo(defaults.dropout());
        assertThat(settings.maxGradNorm()).isEqualTo(defaults.maxGradNorm());
        assertThat(settings.classWeights()).isEmpty();
        assertThat(settings.truncation()).isEqualTo(Truncation.HEAD);
    }
}
