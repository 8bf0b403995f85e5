package io.mlcycle.mlcore.eval;

import io.mlcycle.mlcore.spec.ObjectiveMetric;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Paired bootstrap of the improvement of scores A over scores B on the same examples, for metrics without a
 * closed-form variance (PR AUC, log loss, Brier): resample the examples with replacement, compute both metrics on the
 * same resample, keep the improvement (positive = A better, whatever the metric's direction). Seeded: the same inputs
 * give the same interval.
 */
public final class PairedBootstrap {

    /** Resamples drawn. */
    public static final int DEFAULT_RESAMPLES = 1000;

    private PairedBootstrap() {
    }

    /**
     * The one-sided lower confidence bound, at level {@code 1 - alpha}, of A's improvement over B.
     *
     * @param threshold the decision threshold (needed by the metric computation only)
     */
    public static Interval improvement(boolean[] labels, double[] scoresA, double[] scoresB, ObjectiveMetric metric,
                                       double threshold, double alpha, int resamples, long seed) {
        Ranks.checkInputs(labels, scoresA);
        Ranks.checkInputs(labels, scoresB);
        int n = labels.length;
        double point = metric.improvement(BinaryMetrics.compute(labels, scoresA, threshold).value(metric),
                BinaryMetrics.compute(labels, scoresB, threshold).value(metric));
        SplittableRandom random = new SplittableRandom(seed);
        double[] draws = new double[resamples];
        boolean[] l = new boolean[n];
        double[] a = new double[n];
        double[] b = new double[n];
        int kept = 0;
        for (int r = 0; r < resamples; r++) {
            for (int i = 0; i < n; i++) {
                int k = random.nextInt(n);
                l[i] = labels[k];
                a[i] = scoresA[k];
                b[i] = scoresB[k];
            }
            double value = metric.improvement(value(metric, l, a), value(metric, l, b));
            if (!Double.isNaN(value)) {
                draws[kept++] = value;
            }
        }
        if (kept == 0) {
            return new Interval(point, Double.NaN, 0);
        }
        double[] sorted = Arrays.copyOf(draws, kept);
        Arrays.sort(sorted);
        int index = (int) Math.floor(alpha * (kept - 1));
        return new Interval(point, sorted[index], kept);
    }

    /** Only the metric asked for: a resample computes it twice, a thousand times. */
    static double value(ObjectiveMetric metric, boolean[] labels, double[] scores) {
        int n = labels.length;
        switch (metric) {
            case ROC_AUC:
                return BinaryMetrics.rocAuc(labels, scores);
            case PR_AUC:
                return BinaryMetrics.averagePrecision(labels, scores);
            case LOG_LOSS: {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    double s = Math.min(1 - 1e-15, Math.max(1e-15, scores[i]));
                    sum -= labels[i] ? Math.log(s) : Math.log(1 - s);
                }
                return sum / n;
            }
            default: {
                double sum = 0;
                for (int i = 0; i < n; i++) {
                    double d = scores[i] - (labels[i] ? 1 : 0);
                    sum += d * d;
                }
                return sum / n;
            }
        }
    }

    /**
     * @param point      improvement on the full sample
     * @param lowerBound one-sided lower bound (the alpha quantile of the resampled improvements); NaN if none
     * @param resamples  resamples that gave a value
     */
    public record Interval(double point, double lowerBound, int resamples) {
    }
}
