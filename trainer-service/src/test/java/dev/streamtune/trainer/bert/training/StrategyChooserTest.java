package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class StrategyChooserTest {

    @Test
    void shouldTrainOnlyTheHeadOnFewExamples() {
        StrategyChooser.Choice choice = StrategyChooser.choose(FineTuneStrategy.AUTO, 60, 30, false);
        assertThat(choice.strategy()).isEqualTo(FineTuneStrategy.HEAD_ONLY);
        assertThat(choice.reason()).contains("60 training examples");
    }

    @Test
    void shouldTrainOnlyTheHeadWhenOneLabelIsRare() {
        assertThat(StrategyChooser.choose(FineTuneStrategy.AUTO, 500, 3, false).strategy())
                .isEqualTo(FineTuneStrategy.HEAD_ONLY);
    }

    @Test
    void shouldNotLetOneRareLabelFreezeTheEncoderOfALargeDataset() {
        StrategyChooser.Choice choice = StrategyChooser.choose(FineTuneStrategy.AUTO, 5_000, 3, false);
        assertThat(choice.strategy()).isEqualTo(FineTuneStrategy.FULL);
        assertThat(choice.reason()).contains("rarest label 3");
        assertThat(StrategyChooser.choose(FineTuneStrategy.AUTO, 999, 7, false).strategy())
                .isEqualTo(FineTuneStrategy.HEAD_ONLY);
        assertThat(StrategyChooser.choose(FineTuneStrategy.AUTO, 1_000, 7, false)
                        .strategy())
                .isEqualTo(FineTuneStrategy.FULL);
    }

    @Test
    void shouldFineTuneEverythingOnAModerateDataset() {
        StrategyChooser.Choice choice = StrategyChooser.choose(FineTuneStrategy.AUTO, 1000, 300, false);
        assertThat(choice.strategy()).isEqualTo(FineTuneStrategy.FULL);
        assertThat(choice.reason()).startsWith("auto:");
    }

    @Test
    void shouldFreezeTheBottomOnLargeDataOnACpuButNotOnAGpu() {
        assertThat(StrategyChooser.choose(FineTuneStrategy.AUTO, 50_000, 10_000, false)
                        .strategy())
                .isEqualTo(FineTuneStrategy.FREEZE_BOTTOM);
        assertThat(StrategyChooser.choose(FineTuneStrategy.AUTO, 50_000, 10_000, true)
                        .strategy())
                .isEqualTo(FineTuneStrategy.FULL);
    }

    @Test
    void shouldKeepAnExplicitStrategy() {
        StrategyChooser.Choice choice = StrategyChooser.choose(FineTuneStrategy.FULL, 10, 5, false);
        assertThat(choice.strategy()).isEqualTo(FineTuneStrategy.FULL);
        assertThat(choice.reason()).isEqualTo("requested");
    }
}
