package dev.streamtune.trainer.gate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.streamtune.common.model.ClassificationMetrics;
import dev.streamtune.common.model.MetricsCalculator;
import java.util.List;
import org.junit.jupiter.api.Test;

class ValidationGateTest {

    private static final List<String> LABELS = List.of("ham", "spam");
    private final ValidationGate gate = new ValidationGate(new ValidationGate.Rules(0.02, 0.6, 0.2, 0.1));

    @Test
    void shouldAcceptAFirstModelAboveTheAbsoluteMinimum() {
        GateDecision decision = gate.decide(metrics(9, 1, 1, 9), null);

        assertThat(decision.accepted()).isTrue();
        assertThat(decision.reasons()).isEmpty();
    }

    @Test
    void shouldRejectAFirstModelBelowTheAbsoluteMinimum() {
        GateDecision decision = gate.decide(metrics(5, 5, 5, 5), null);

        assertThat(decision.accepted()).isFalse();
        assertThat(decision.reasons()).anyMatch(r -> r.contains("below the minimum 0.6000"));
    }

    @Test
    void shouldAcceptACandidateWithinTheToleranceOfTheChampion() {
        ClassificationMetrics champion = metrics(10, 0, 1, 9); // macro-F1 ~0.95
        ClassificationMetrics candidate = metrics(10, 0, 1, 9);

        assertThat(gate.decide(candidate, champion).accepted()).isTrue();
    }

    @Test
    void shouldRejectACandidateWorseThanTheChampionMinusTolerance() {
        GateDecision decision = gate.decide(metrics(9, 1, 2, 8), metrics(10, 0, 0, 10));

        assertThat(decision.accepted()).isFalse();
        assertThat(decision.reasons()).anyMatch(r -> r.contains("below the champion's"));
    }

    @Test
    void shouldRejectACandidateWhoseClassRecallCollapses() {
        // ham recall 1.0 → 0.7 (more than 0.2 down) while macro-F1 stays within reach of an absolute floor
        GateDecision decision = new ValidationGate(new ValidationGate.Rules(1.0, 0.0, 0.2, 0.0))
                .decide(metrics(7, 3, 0, 10), metrics(10, 0, 0, 10));

        assertThat(decision.accepted()).isFalse();
        assertThat(decision.reasons()).anyMatch(r -> r.contains("recall of 'ham' collapsed"));
    }

    @Test
    void shouldRejectACandidateThatNeverPredictsAClass() {
        GateDecision decision = gate.decide(metrics(10, 0, 10, 0), null);

        assertThat(decision.reasons()).anyMatch(r -> r.contains("recall of 'spam' 0.0000 is below the minimum"));
    }

    @Test
    void shouldScoreAChampionThatLacksANewLabelAsMissingIt() {
        List<String> labels = List.of("ham", "spam", "phishing");
        List<String> truth = List.of("ham", "spam", "phishing", "phishing");
        // the champion only knows ham and spam
        List<double[]> champion = List.of(
                new double[] {0.9, 0.1}, new double[] {0.2, 0.8}, new double[] {0.3, 0.7}, new double[] {0.6, 0.4});

        ClassificationMetrics m = MetricsCalculator.compute(labels, truth, List.of("ham", "spam"), champion);

        assertThat(m.perClass().get("phishing").recall()).isZero();
        assertThat(m.perClass().get("phishing").support()).isEqualTo(2);
        assertThat(m.accuracy()).isEqualTo(0.5);
        assertThat(m.confusion().get(2)).containsExactly(1L, 1L, 0L);
    }

    /** A two-class result from its confusion matrix: rows true ham/spam, columns predicted ham/spam. */
    private static ClassificationMetrics metrics(int hamHam, int hamSpam, int spamHam, int spamSpam) {
        List<String> truth = new java.util.ArrayList<>();
        List<double[]> probabilities = new java.util.ArrayList<>();
        add(truth, probabilities, "ham", new double[] {0.9, 0.1}, hamHam);
        add(truth, probabilities, "ham", new double[] {0.2, 0.8}, hamSpam);
        add(truth, probabilities, "spam", new double[] {0.7, 0.3}, spamHam);
        add(truth, probabilities, "spam", new double[] {0.1, 0.9}, spamSpam);
        return MetricsCalculator.compute(LABELS, truth, LABELS, probabilities);
    }

    private static void add(List<String> truth, List<double[]> probabilities, String label, double[] p, int n) {
        for (int i = 0; i < n; i++) {
            truth.add(label);
            probabilities.add(p);
        }
    }
}
