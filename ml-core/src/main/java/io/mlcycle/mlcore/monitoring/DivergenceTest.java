package io.mlcycle.mlcore.monitoring;

import io.mlcycle.mlcore.online.BettingMartingale;

/**
 * Whether a model's calibrated scores and the outcomes that arrive for them diverge, decided by a test that stays
 * valid however often it is looked at: the online-truth reconciliation looks at every emission of a window, as its
 * outcomes arrive, where a fixed-sample test (the realised metric outside the estimate's interval) checked at every
 * look raises false alarms far more often than its level says.
 *
 * <p>Each outcome y of a prediction with calibrated probability p gives two residuals in [-1, 1], both of mean 0 while
 * the scores are calibrated for the data (whatever the data's mix of scores, i.e. under covariate shift too):
 * <ul>
 *   <li>the <b>decision residual</b> {@code correct - P(correct)}, with {@code P(correct) = p} for a positive decision
 *       and {@code 1 - p} for a negative one: its sum is the realised minus the expected number of correct decisions,
 *       the accuracy the estimate (CBPE) is about. Flattened or sharpened scores (P(label | features) weaker or
 *       stronger than at training) move it;</li>
 *   <li>the <b>outcome residual</b> {@code y - p}: more or fewer positives than the scores say (a changed base rate,
 *       which can leave the decision residual near 0 when the decisions are balanced).</li>
 * </ul>
 * Each is tested in both directions by a {@link BettingMartingale}, four one-sided tests at {@code alpha / 4} each, so
 * the chance that any of them ever rejects while the scores are calibrated is at most alpha, over any number of looks.
 *
 * <p>The calibration is a fit with an error of its own. So the null hypothesis is not "exactly the fitted
 * probability" but "a probability the fit cannot rule out": at each outcome the residual's mean may be anywhere within
 * {@link Calibration#errorMargin} (the distance to the farthest calibration in the fit's confidence ellipse, at the
 * estimate's level), and each test's payoff is the residual beyond that margin, {@code (residual - margin) / (1 +
 * margin)} (scaled back into [-1, 1]). Without this, a large enough window would be called diverged for the fit's own
 * error. A calibration known exactly has no margin.
 *
 * <p>Immutable; the state is four martingales and the number of outcomes at the first rejection, so it does not grow
 * with the window. Outcomes must be given in a reproducible order (the order of the input) for a replay to decide the
 * same.
 *
 * @param accuracyAbove     H0 "decisions are correct no more often than the scores say"; rejected: more often
 * @param accuracyBelow     H0 "... no less often ..."; rejected: correct less often than the scores say
 * @param positivesAbove    H0 "no more positives than the scores say"; rejected: more
 * @param positivesBelow    H0 "no fewer positives ..."; rejected: fewer
 * @param rejectedAt        the number of outcomes at which the test first rejected, 0 while it has not
 */
public record DivergenceTest(BettingMartingale accuracyAbove, BettingMartingale accuracyBelow,
                             BettingMartingale positivesAbove, BettingMartingale positivesBelow, long rejectedAt) {

    /** One-sided tests the level is split over (Bonferroni: each at alpha / TESTS). */
    public static final int TESTS = 4;

    public static final DivergenceTest START = new DivergenceTest(BettingMartingale.START, BettingMartingale.START,
            BettingMartingale.START, BettingMartingale.START, 0);

    /**
     * The state after one more outcome.
     *
     * @param score       the raw score the model logged
     * @param decision    the decision it made (score at or above its threshold)
     * @param outcome     the outcome
     * @param calibration the version's calibration (its error widens the null hypothesis)
     * @param level       the estimate's level ({@code monitoring.estimate_level}): the test runs at {@code 1 - level},
     *                    the calibration's ellipse at {@code level}
     */
    public DivergenceTest update(double score, boolean decision, boolean outcome, Calibration calibration,
                                 double level) {
        double p = calibration.apply(score);
        double margin = calibration.errorMargin(score, level);
        double positives = (outcome ? 1 : 0) - p;
        double accuracy = decision ? positives : -positives; // correct - P(correct)
        DivergenceTest next = new DivergenceTest(
                accuracyAbove.update(beyond(accuracy, margin)), accuracyBelow.update(beyond(-accuracy, margin)),
                positivesAbove.update(beyond(positives, margin)), positivesBelow.update(beyond(-positives, margin)),
                rejectedAt);
        if (rejectedAt == 0 && next.rejects(1 - level)) {
            return new DivergenceTest(next.accuracyAbove, next.accuracyBelow, next.positivesAbove,
                    next.positivesBelow, next.outcomes());
        }
        return next;
    }

    /** The part of a residual beyond the margin, scaled into [-1, 1]: its mean is at most 0 under H0. */
    private static double beyond(double residual, double margin) {
        return (residual - margin) / (1 + margin);
    }

    /** Outcomes tested so far. */
    public long outcomes() {
        return accuracyAbove.n();
    }

    /** Whether any of the four tests has rejected at {@code alpha / 4}: the scores and the outcomes diverge. */
    public boolean rejects(double alpha) {
        double each = alpha / TESTS;
        return accuracyAbove.rejects(each) || accuracyBelow.rejects(each) || positivesAbove.rejects(each)
                || positivesBelow.rejects(each);
    }

    /** Always-valid p-value of "no divergence" (Bonferroni over the four tests). */
    public double pValue() {
        double least = Math.min(Math.min(accuracyAbove.p(), accuracyBelow.p()),
                Math.min(positivesAbove.p(), positivesBelow.p()));
        return Math.min(1, TESTS * least);
    }

    /** What the evidence says, in words, e.g. "decisions correct less often than the calibrated scores say". */
    public String finding(double alpha) {
        double each = alpha / TESTS;
        StringBuilder words = new StringBuilder();
        append(words, accuracyBelow.rejects(each), "decisions correct less often than the calibrated scores say");
        append(words, accuracyAbove.rejects(each), "decisions correct more often than the calibrated scores say");
        append(words, positivesAbove.rejects(each), "more positive outcomes than the calibrated scores say");
        append(words, positivesBelow.rejects(each), "fewer positive outcomes than the calibrated scores say");
        return words.isEmpty() ? "no divergence" : words.toString();
    }

    private static void append(StringBuilder words, boolean rejected, String text) {
        if (rejected) {
            words.append(words.isEmpty() ? "" : " and ").append(text);
        }
    }
}
