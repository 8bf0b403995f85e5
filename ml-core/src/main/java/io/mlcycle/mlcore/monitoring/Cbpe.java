package io.mlcycle.mlcore.monitoring;

import io.mlcycle.mlcore.eval.Ranks;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Confidence-based performance estimation (CBPE, as NannyML describes it): a calibrated score p is the probability
 * that the outcome is positive, so every prediction contributes an expected confusion matrix — p of a true positive
 * and 1 - p of a false positive when the decision is positive, p of a false negative and 1 - p of a true negative
 * otherwise — and their sums give the expected accuracy; ranking the scores against those expected labels gives the
 * expected ROC AUC.
 *
 * <p>Uncertainty has two sources, and the interval covers both. The calibration was fitted on a finite holdout, so
 * its parameters are uncertain ({@link Calibration#varA()}, ...): each simulated draw first picks a plausible
 * calibration from the fit's covariance and computes the probabilities p with it. Then, given calibrated scores, each
 * outcome is an independent Bernoulli(p) draw, so the realised metric of this very set of predictions is random
 * around the estimate. The interval is the central {@code level} range of the realised metric over {@code draws}
 * such simulated outcome vectors (seeded, so it is reproducible). A realised metric outside it is more than the
 * calibration's error and the outcomes' chance can explain: the scores are not calibrated for this data any more,
 * P(label | features) changed (concept shift), which drift of the features alone cannot show. The point estimate
 * uses the fitted calibration.
 *
 * <p>Stateless and thread-safe; the cost is O(n log n + draws * n).
 */
public final class Cbpe {

    private final double threshold;
    private final double level;
    private final int draws;
    private final long seed;

    /**
     * @param threshold the decision threshold on the raw score (the decisions are the model's own)
     * @param level     interval probability in (0, 1), e.g. 0.95
     * @param draws     simulated outcome vectors for the interval, at least 50
     * @param seed      seed of the simulation
     */
    public Cbpe(double threshold, double level, int draws, long seed) {
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must be in (0, 1), got " + level);
        }
        if (draws < 50) {
            throw new IllegalArgumentException("draws must be at least 50, got " + draws);
        }
        this.threshold = threshold;
        this.level = level;
        this.draws = draws;
        this.seed = seed;
    }

    /** 95 % intervals from 400 draws. */
    public Cbpe(double threshold) {
        this(threshold, 0.95, 400, 42);
    }

    /**
     * Estimates accuracy and ROC AUC of predictions from their raw scores, calibrated by {@code calibration}
     * (decisions are taken on the raw score, as the model made them).
     */
    public PerformanceEstimate estimate(double[] rawScores, Calibration calibration) {
        int n = rawScores.length;
        if (n == 0) {
            return new PerformanceEstimate(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, level);
        }
        double[] p = calibration.apply(rawScores);
        boolean[] decision = new boolean[n];
        double expectedCorrect = 0;
        double expectedPositives = 0;
        for (int i = 0; i < n; i++) {
            decision[i] = rawScores[i] >= threshold;
            expectedCorrect += decision[i] ? p[i] : 1 - p[i];
            expectedPositives += p[i];
        }
        double[] ranks = Ranks.midranks(rawScores);
        double auc = expectedAuc(rawScores, p);

        double[] accuracies = new double[draws];
        double[] aucs = new double[draws];
        SplittableRandom random = new SplittableRandom(seed);
        SplittableRandom calibrationRandom = new SplittableRandom(seed ^ 0x5DEECE66DL);
        double[] logits = calibration.uncertain() ? logits(rawScores) : null;
        double[] drawn = calibration.uncertain() ? new double[n] : p;
        int aucDraws = 0;
        for (int d = 0; d < draws; d++) {
            if (logits != null) {
                Calibration plausible = calibration.perturbed(gaussian(calibrationRandom),
                        gaussian(calibrationRandom));
                for (int i = 0; i < n; i++) {
                    drawn[i] = Calibration.sigmoid(plausible.a() * logits[i] + plausible.b());
                }
            }
            long correct = 0;
            long positives = 0;
            double rankSum = 0;
            for (int i = 0; i < n; i++) {
                boolean y = random.nextDouble() < drawn[i];
                if (y == decision[i]) {
                    correct++;
                }
                if (y) {
                    positives++;
                    rankSum += ranks[i];
                }
            }
            accuracies[d] = (double) correct / n;
            long negatives = n - positives;
            if (positives > 0 && negatives > 0) {
                aucs[aucDraws++] = (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
            }
        }
        return summarise(n, expectedCorrect, expectedPositives, auc, accuracies, aucs, aucDraws);
    }

    /**
     * The estimate of {@link #estimate(double[], Calibration)} from binned scores ({@link ScoreBins}), at a cost of
     * {@code draws * bins} whatever the number of predictions: every bin's predictions share the calibrated
     * probability of the bin's mean score and count as tied for the ROC AUC, and a draw simulates the positives of a
     * bin as one binomial draw (exact while the expected count of the rarer outcome is under 10, else its normal
     * approximation). Decisions are the bins' own (their threshold must be this estimator's).
     *
     * @param labeledOnly estimate over the predictions with an outcome only, else over all of them
     */
    public PerformanceEstimate estimate(ScoreBins bins, boolean labeledOnly, Calibration calibration) {
        if (bins.threshold() != threshold) {
            throw new IllegalArgumentException("bins split at " + bins.threshold() + ", decisions at " + threshold);
        }
        int used = 0;
        int[] bin = new int[bins.size()];
        for (int b = 0; b < bins.size(); b++) {
            if (bins.count(b, labeledOnly) > 0) {
                bin[used++] = b;
            }
        }
        int[] count = new int[used];
        boolean[] decision = new boolean[used];
        double[] logit = new double[used];
        double[] p = new double[used];
        double[] midrank = new double[used];
        long n = 0;
        double expectedCorrect = 0;
        double expectedPositives = 0;
        for (int k = 0; k < used; k++) {
            count[k] = bins.count(bin[k], labeledOnly);
            decision[k] = bins.positiveDecision(bin[k]);
            double score = bins.meanScore(bin[k]);
            logit[k] = Calibration.logit(score);
            p[k] = calibration.apply(score);
            midrank[k] = n + (count[k] + 1) / 2.0;
            n += count[k];
            expectedCorrect += count[k] * (decision[k] ? p[k] : 1 - p[k]);
            expectedPositives += count[k] * p[k];
        }
        if (n == 0) {
            return new PerformanceEstimate(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, level);
        }
        double auc = n < 2 ? Double.NaN : expectedAuc(count, p, n);

        double[] accuracies = new double[draws];
        double[] aucs = new double[draws];
        SplittableRandom random = new SplittableRandom(seed);
        SplittableRandom calibrationRandom = new SplittableRandom(seed ^ 0x5DEECE66DL);
        double[] drawn = calibration.uncertain() ? new double[used] : p;
        int aucDraws = 0;
        for (int d = 0; d < draws; d++) {
            if (calibration.uncertain()) {
                Calibration plausible = calibration.perturbed(gaussian(calibrationRandom),
                        gaussian(calibrationRandom));
                for (int k = 0; k < used; k++) {
                    drawn[k] = Calibration.sigmoid(plausible.a() * logit[k] + plausible.b());
                }
            }
            long correct = 0;
            long positives = 0;
            double rankSum = 0;
            for (int k = 0; k < used; k++) {
                int y = binomial(random, count[k], drawn[k]);
                correct += decision[k] ? y : count[k] - y;
                positives += y;
                rankSum += y * midrank[k];
            }
            accuracies[d] = (double) correct / n;
            long negatives = n - positives;
            if (positives > 0 && negatives > 0) {
                aucs[aucDraws++] = (rankSum - positives * (positives + 1) / 2.0) / ((double) positives * negatives);
            }
        }
        return summarise(n, expectedCorrect, expectedPositives, auc, accuracies, aucs, aucDraws);
    }

    /** The point estimates with the central {@code level} range of the simulated metrics. */
    private PerformanceEstimate summarise(long n, double expectedCorrect, double expectedPositives, double auc,
                                          double[] accuracies, double[] aucs, int aucDraws) {
        Arrays.sort(accuracies);
        double tail = (1 - level) / 2;
        double aucLow = Double.NaN;
        double aucHigh = Double.NaN;
        if (aucDraws >= 10) {
            double[] valid = Arrays.copyOf(aucs, aucDraws);
            Arrays.sort(valid);
            aucLow = quantile(valid, tail);
            aucHigh = quantile(valid, 1 - tail);
        }
        return new PerformanceEstimate(n, expectedCorrect / n, quantile(accuracies, tail),
                quantile(accuracies, 1 - tail), auc, aucLow, aucHigh, expectedPositives / n, level);
    }

    /**
     * Expected ROC AUC of groups of tied scores in ascending order of score, {@code count[k]} predictions of
     * probability {@code p[k]} in group k: {@link #expectedAuc(double[], double[])} with the ties given.
     */
    private static double expectedAuc(int[] count, double[] p, long n) {
        double numerator = 0;
        double negativesBelow = 0;
        double sumP = 0;
        double sumSelf = 0;
        for (int k = 0; k < count.length; k++) {
            double tiePositive = count[k] * p[k];
            double tieNegative = count[k] * (1 - p[k]);
            double tieSelf = count[k] * p[k] * (1 - p[k]);
            numerator += tiePositive * negativesBelow + 0.5 * (tiePositive * tieNegative - tieSelf);
            negativesBelow += tieNegative;
            sumP += tiePositive;
            sumSelf += tieSelf;
        }
        double denominator = sumP * (n - sumP) - sumSelf;
        return denominator <= 0 ? Double.NaN : numerator / denominator;
    }

    /**
     * A Binomial(n, p) draw: n Bernoulli draws for small n, exact inversion of the rarer outcome's distribution
     * while fewer than 10 of them are expected, else the normal approximation (rounded, within [0, n]).
     */
    static int binomial(SplittableRandom random, int n, double p) {
        if (!(p > 0)) {
            return 0;
        }
        if (p >= 1) {
            return n;
        }
        if (n <= 16) {
            int y = 0;
            for (int i = 0; i < n; i++) {
                y += random.nextDouble() < p ? 1 : 0;
            }
            return y;
        }
        double rare = Math.min(p, 1 - p);
        if (n * rare < 10) {
            // inversion: walk up the distribution of the rarer outcome's count from P(0) = (1 - rare)^n
            double odds = rare / (1 - rare);
            double probability = Math.exp(n * Math.log1p(-rare));
            double cumulative = probability;
            double u = random.nextDouble();
            int hits = 0;
            while (u > cumulative && hits < n) {
                probability *= (double) (n - hits) / (hits + 1) * odds;
                hits++;
                cumulative += probability;
            }
            return rare == p ? hits : n - hits;
        }
        double y = Math.rint(n * p + Math.sqrt(n * p * (1 - p)) * gaussian(random));
        return (int) Math.min(n, Math.max(0, y));
    }

    /**
     * Expected ROC AUC: E[concordant positive-negative pairs] / E[positive-negative pairs] over pairs of distinct
     * predictions, where prediction i is positive with probability p_i; ties count one half.
     */
    static double expectedAuc(double[] scores, double[] p) {
        int n = scores.length;
        if (n < 2) {
            return Double.NaN;
        }
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        Arrays.sort(order, (x, y) -> Double.compare(scores[x], scores[y]));
        double numerator = 0;
        double negativesBelow = 0; // sum of (1 - p) over strictly lower scores
        int i = 0;
        while (i < n) {
            int j = i;
            double tiePositive = 0;
            double tieNegative = 0;
            double tieSelf = 0;
            while (j < n && scores[order[j]] == scores[order[i]]) {
                double pj = p[order[j]];
                tiePositive += pj;
                tieNegative += 1 - pj;
                tieSelf += pj * (1 - pj);
                j++;
            }
            numerator += tiePositive * negativesBelow + 0.5 * (tiePositive * tieNegative - tieSelf);
            negativesBelow += tieNegative;
            i = j;
        }
        double sumP = 0;
        double sumSelf = 0;
        for (double pi : p) {
            sumP += pi;
            sumSelf += pi * (1 - pi);
        }
        double denominator = sumP * (n - sumP) - sumSelf;
        return denominator <= 0 ? Double.NaN : numerator / denominator;
    }

    private static double[] logits(double[] scores) {
        double[] out = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            out[i] = Calibration.logit(scores[i]);
        }
        return out;
    }

    /** A standard normal draw (Box-Muller), from the seeded generator so the interval is reproducible. */
    private static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static double quantile(double[] sorted, double q) {
        double position = q * (sorted.length - 1);
        int lower = (int) Math.floor(position);
        int upper = Math.min(sorted.length - 1, lower + 1);
        double fraction = position - lower;
        return sorted[lower] * (1 - fraction) + sorted[upper] * fraction;
    }
}
