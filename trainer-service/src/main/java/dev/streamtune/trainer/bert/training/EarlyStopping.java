package dev.streamtune.trainer.bert.training;

/**
 * Picks the best epoch by validation macro-F1 and stops after {@code patience} epochs without improvement.
 *
 * <p>On a small validation set one flipped example moves macro-F1 by about 1/n, so F1s within {@code f1Noise} of each
 * other are ties. The best is only ever replaced by a strictly better epoch: a higher F1 beyond the noise, or an F1 at
 * least as high with a lower validation loss. A tie within the noise that lowers the loss (but not the F1) extends the
 * patience (it does not count as an epoch without improvement) yet never becomes the best, so a run of such ties cannot
 * walk the best F1 downwards. An epoch that is not better and raises the loss counts against the patience, even when
 * its F1 is the same (a saturated F1 with a rising loss is the overfitting early stopping is for).
 */
final class EarlyStopping {

    /** What to do after an epoch. */
    enum Verdict {
        /** A new best: keep these weights. */
        BEST,
        /** Not better: keep training. */
        CONTINUE,
        /** Patience exhausted: stop. */
        STOP
    }

    private final int patience;
    private final double f1Noise;
    private double bestF1 = Double.NEGATIVE_INFINITY;
    private double bestLoss = Double.POSITIVE_INFINITY;
    private int bestEpoch;
    private int sinceBest;

    EarlyStopping(int patience, double f1Noise) {
        this.patience = patience;
        this.f1Noise = f1Noise;
    }

    Verdict onEpoch(int epoch, double macroF1, double loss) {
        boolean better = macroF1 > bestF1 + f1Noise || (macroF1 >= bestF1 && loss < bestLoss);
        if (better) {
            bestF1 = macroF1;
            bestLoss = loss;
            bestEpoch = epoch;
            sinceBest = 0;
            return Verdict.BEST;
        }
        boolean tie = macroF1 >= bestF1 - f1Noise && loss < bestLoss;
        if (tie) {
            return Verdict.CONTINUE;
        }
        return ++sinceBest >= patience ? Verdict.STOP : Verdict.CONTINUE;
    }

    int bestEpoch() {
        return bestEpoch;
    }

    double bestF1() {
        return bestF1;
    }

    int epochsSinceBest() {
        return sinceBest;
    }
}
