package dev.streamtune.trainer.bert.training;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.trainer.bert.training.EarlyStopping.Verdict;
import org.junit.jupiter.api.Test;

class EarlyStoppingTest {

    private static final double NOISE = 0.01;

    @Test
    void shouldNeverLetTiesWalkTheBestDownwards() {
        EarlyStopping stopping = new EarlyStopping(2, NOISE);

        assertThat(stopping.onEpoch(1, 0.90, 0.50)).isEqualTo(Verdict.BEST);
        // each within the noise of the one before, each with a lower loss: 0.90 → 0.892 → 0.884 → 0.876
        assertThat(stopping.onEpoch(2, 0.892, 0.45)).isEqualTo(Verdict.CONTINUE);
        assertThat(stopping.onEpoch(3, 0.884, 0.40)).isEqualTo(Verdict.CONTINUE);
        stopping.onEpoch(4, 0.876, 0.35);

        assertThat(stopping.bestEpoch()).isEqualTo(1);
        assertThat(stopping.bestF1()).isEqualTo(0.90);
    }

    @Test
    void shouldLetATieWithinTheNoiseExtendPatienceButNotBecomeTheBest() {
        EarlyStopping stopping = new EarlyStopping(1, NOISE);

        stopping.onEpoch(1, 0.90, 0.50);
        assertThat(stopping.onEpoch(2, 0.895, 0.40)).isEqualTo(Verdict.CONTINUE);
        assertThat(stopping.epochsSinceBest()).isZero();
        assertThat(stopping.bestEpoch()).isEqualTo(1);
        // worse beyond the noise: patience 1 is spent
        assertThat(stopping.onEpoch(3, 0.85, 0.30)).isEqualTo(Verdict.STOP);
    }

    @Test
    void shouldReplaceTheBestOnlyWithAStrictlyBetterEpoch() {
        EarlyStopping stopping = new EarlyStopping(3, NOISE);

        stopping.onEpoch(1, 0.90, 0.50);
        assertThat(stopping.onEpoch(2, 0.95, 0.60)).isEqualTo(Verdict.BEST); // higher F1 beyond the noise
        assertThat(stopping.onEpoch(3, 0.95, 0.40)).isEqualTo(Verdict.BEST); // same F1, lower loss
        assertThat(stopping.onEpoch(4, 0.955, 0.45)).isEqualTo(Verdict.CONTINUE); // within the noise, higher loss
        assertThat(stopping.bestEpoch()).isEqualTo(3);
        assertThat(stopping.epochsSinceBest()).isEqualTo(1);
    }

    @Test
    void shouldStopWhenF1IsSaturatedAndTheLossRises() {
        EarlyStopping stopping = new EarlyStopping(2, NOISE);

        stopping.onEpoch(1, 1.0, 0.10);
        assertThat(stopping.onEpoch(2, 1.0, 0.12)).isEqualTo(Verdict.CONTINUE);
        assertThat(stopping.onEpoch(3, 1.0, 0.15)).isEqualTo(Verdict.STOP);
        assertThat(stopping.bestEpoch()).isEqualTo(1);
    }
}
