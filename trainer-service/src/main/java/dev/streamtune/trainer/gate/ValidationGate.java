package dev.streamtune.trainer.gate;

import dev.streamtune.common.model.ClassMetrics;
import dev.streamtune.common.model.ClassificationMetrics;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Decides whether a candidate may replace the champion, from both models' metrics on the same test examples (data
 * neither training nor early stopping selected on, so the comparison does not favour the candidate):
 * macro-F1 above an absolute floor, not below the champion's minus a tolerance, and no class whose recall collapses
 * (below a floor, or falling by more than a set amount against the champion). The first model meets only the floors.
 */
public final class ValidationGate {

    /** The rule thresholds. */
    public record Rules(double tolerance, double minMacroF1, double maxRecallDrop, double minClassRecall) {}

    private final Rules rules;

    public ValidationGate(Rules rules) {
        this.rules = rules;
    }

    /**
     * @param candidate the candidate's metrics on the test split
     * @param champion the live model's metrics on the same examples, null for the first model only: a champion that
     *     cannot be evaluated postpones the decision instead
     */
    public GateDecision decide(ClassificationMetrics candidate, ClassificationMetrics champion) {
        List<String> reasons = new ArrayList<>();
        if (candidate.macroF1() < rules.minMacroF1()) {
            reasons.add(String.format(
                    Locale.ROOT,
                    "test macro-F1 %.4f is below the minimum %.4f",
                    candidate.macroF1(),
                    rules.minMacroF1()));
        }
        if (champion != null && candidate.macroF1() < champion.macroF1() - rules.tolerance()) {
            reasons.add(String.format(
                    Locale.ROOT,
                    "test macro-F1 %.4f is below the champion's %.4f minus tolerance %.4f",
                    candidate.macroF1(),
                    champion.macroF1(),
                    rules.tolerance()));
        }
        for (Map.Entry<String, ClassMetrics> entry : candidate.perClass().entrySet()) {
            ClassMetrics mine = entry.getValue();
            if (mine.support() == 0) {
                continue;
            }
            if (mine.recall() < rules.minClassRecall()) {
                reasons.add(String.format(
                        Locale.ROOT,
                        "recall of '%s' %.4f is below the minimum %.4f",
                        entry.getKey(),
                        mine.recall(),
                        rules.minClassRecall()));
            }
            ClassMetrics theirs = champion == null ? null : champion.perClass().get(entry.getKey());
            if (theirs != null && theirs.support() > 0 && mine.recall() < theirs.recall() - rules.maxRecallDrop()) {
                reasons.add(String.format(
                        Locale.ROOT,
                        "recall of '%s' collapsed from %.4f to %.4f (more than %.4f)",
                        entry.getKey(),
                        theirs.recall(),
                        mine.recall(),
                        rules.maxRecallDrop()));
            }
        }
        return new GateDecision(reasons.isEmpty(), reasons);
    }
}
