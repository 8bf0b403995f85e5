package io.mlcycle.mlcore.monitoring;

/**
 * The raw scores and known outcomes of a window of predictions as counts in a fixed number of score bins: the
 * sufficient statistics from which {@link Cbpe#estimate(ScoreBins, boolean, Calibration)} and
 * {@link Reconciliation#of(Cbpe, Calibration, ScoreBins)} estimate and reconcile a window of any size at a cost that
 * depends on the number of bins, not of predictions. Exists because the per-prediction estimate costs
 * {@code draws * n} random draws, which at every emission of a window of a million predictions took tens of seconds.
 *
 * <p>{@value #BINS_PER_SIDE} bins of equal width below the decision threshold and as many from it up to 1, so every
 * bin lies wholly on one side of the threshold: decisions, expected accuracy and realised accuracy are exact. Each bin
 * keeps its predictions' count, how many of them turned out positive and negative, and the exact sum of their scores
 * (fixed point, 2<sup>-32</sup>), so a bin is calibrated at the mean of its scores. The approximation is that the
 * predictions of one bin count as tied scores for the ROC AUC (expected, simulated and realised) and share one
 * calibrated probability; with bins 1/{@value #BINS_PER_SIDE} of a side wide it moves the estimates by well under
 * 0.01 (tested against the per-prediction estimate).
 *
 * <p>Integer counts and sums: the same predictions give the same bins whatever the order they were added and removed
 * in, so an estimate is reproducible under replay and after a rebuild from stored entries. Mutable, not thread-safe.
 */
public final class ScoreBins {

    /** Bins on each side of the threshold. */
    public static final int BINS_PER_SIDE = 1024;
    private static final double FIXED_POINT = 0x1p32;

    private final double threshold;
    private final int[] count = new int[2 * BINS_PER_SIDE];
    private final int[] positives = new int[2 * BINS_PER_SIDE];
    private final int[] negatives = new int[2 * BINS_PER_SIDE];
    private final long[] scoreSum = new long[2 * BINS_PER_SIDE];
    private long predictions;
    private long labeled;

    /** @param threshold the decision threshold on the raw score: a score at or above it is a positive decision */
    public ScoreBins(double threshold) {
        this.threshold = threshold;
    }

    public double threshold() {
        return threshold;
    }

    /** Predictions held. */
    public long predictions() {
        return predictions;
    }

    /** Of which have an outcome. */
    public long labeled() {
        return labeled;
    }

    /** Adds a prediction with its raw score and its outcome (null: not known yet). */
    public void add(double score, Boolean outcome) {
        change(score, outcome, 1);
    }

    /** Removes a prediction added before with the same score and outcome (e.g. to add it again with its outcome). */
    public void remove(double score, Boolean outcome) {
        change(score, outcome, -1);
    }

    private void change(double score, Boolean outcome, int sign) {
        int bin = bin(score);
        count[bin] += sign;
        scoreSum[bin] += sign * Math.round(Math.min(1, Math.max(0, score)) * FIXED_POINT);
        predictions += sign;
        if (outcome != null) {
            labeled += sign;
            if (outcome) {
                positives[bin] += sign;
            } else {
                negatives[bin] += sign;
            }
        }
    }

    /** The bin of a score; ascending in the score, NaN in the lowest (a NaN score is a negative decision). */
    int bin(double score) {
        if (!(score >= threshold)) {
            int bin = threshold > 0 ? (int) (score / threshold * BINS_PER_SIDE) : 0;
            return Math.min(BINS_PER_SIDE - 1, Math.max(0, bin));
        }
        double span = 1 - threshold;
        int bin = span > 0 ? (int) ((score - threshold) / span * BINS_PER_SIDE) : 0;
        return BINS_PER_SIDE + Math.min(BINS_PER_SIDE - 1, Math.max(0, bin));
    }

    int size() {
        return count.length;
    }

    /** Predictions in a bin, all of them or only those with an outcome. */
    int count(int bin, boolean labeledOnly) {
        return labeledOnly ? positives[bin] + negatives[bin] : count[bin];
    }

    /** Whether a bin's predictions are positive decisions. */
    boolean positiveDecision(int bin) {
        return bin >= BINS_PER_SIDE;
    }

    /** The mean raw score of a bin's predictions (NaN when empty). */
    double meanScore(int bin) {
        return count[bin] == 0 ? Double.NaN : scoreSum[bin] / FIXED_POINT / count[bin];
    }

    /** Accuracy of the decisions on the predictions with an outcome (NaN when none): exact. */
    public double realisedAccuracy() {
        if (labeled == 0) {
            return Double.NaN;
        }
        long correct = 0;
        for (int bin = 0; bin < count.length; bin++) {
            correct += positiveDecision(bin) ? positives[bin] : negatives[bin];
        }
        return (double) correct / labeled;
    }

    /**
     * ROC AUC of the scores on the predictions with an outcome, the predictions of one bin counting as ties (NaN
     * without both classes).
     */
    public double realisedRocAuc() {
        double concordant = 0;
        long negativesBelow = 0;
        long allPositives = 0;
        for (int bin = 0; bin < count.length; bin++) {
            concordant += positives[bin] * (double) negativesBelow + 0.5 * positives[bin] * (double) negatives[bin];
            negativesBelow += negatives[bin];
            allPositives += positives[bin];
        }
        if (allPositives == 0 || negativesBelow == 0) {
            return Double.NaN;
        }
        return concordant / ((double) allPositives * negativesBelow);
    }
}
