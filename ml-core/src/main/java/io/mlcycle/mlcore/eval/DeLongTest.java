package io.mlcycle.mlcore.eval;

import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * DeLong, DeLong and Clarke-Pearson (1988) test for two correlated ROC AUCs, with the mid-rank computation of the
 * structural components (Sun and Xu 2014), O(n log n). A constant score vector (e.g. the class-prior baseline) has
 * AUC 0.5 and zero variance, which the test handles. Stateless and thread-safe.
 */
public final class DeLongTest {
    private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);

    private DeLongTest() {
    }

    /**
     * Compares scores A and B on the same labeled examples.
     *
     * @throws IllegalArgumentException when lengths differ, a class has fewer than 2 examples, or a score is NaN
     */
    public static DeLongResult compare(boolean[] labels, double[] scoresA, double[] scoresB) {
        Ranks.checkInputs(labels, scoresA);
        Ranks.checkInputs(labels, scoresB);
        int m = 0;
        for (boolean label : labels) {
            m += label ? 1 : 0;
        }
        int n = labels.length - m;
        if (m < 2 || n < 2) {
            throw new IllegalArgumentException("DeLong's test needs at least 2 positive and 2 negative examples, got "
                    + m + " and " + n);
        }
        Components a = components(labels, scoresA, m, n);
        Components b = components(labels, scoresB, m, n);
        double s10 = variance(a.v10, a.auc, a.v10, a.auc) + variance(b.v10, b.auc, b.v10, b.auc)
                - 2 * variance(a.v10, a.auc, b.v10, b.auc);
        double s01 = variance(a.v01, a.auc, a.v01, a.auc) + variance(b.v01, b.auc, b.v01, b.auc)
                - 2 * variance(a.v01, a.auc, b.v01, b.auc);
        double varianceOfDifference = Math.max(0, s10 / m + s01 / n);
        double se = Math.sqrt(varianceOfDifference);
        double difference = a.auc - b.auc;
        double z;
        if (se > 0) {
            z = difference / se;
        } else if (Math.abs(difference) < 1e-15) {
            z = 0;
        } else {
            z = difference > 0 ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
        }
        double oneSided = STANDARD_NORMAL.survivalProbability(z);
        double twoSided = Math.min(1.0, 2 * STANDARD_NORMAL.survivalProbability(Math.abs(z)));
        return new DeLongResult(a.auc, b.auc, difference, se, z, oneSided, twoSided);
    }

    private record Components(double auc, double[] v10, double[] v01) {
    }

    /**
     * V10[i]: for positive i, the fraction of negatives it outranks (ties 1/2); V01[j]: for negative j, the fraction of
     * positives that outrank it. Both average to the AUC.
     */
    private static Components components(boolean[] labels, double[] scores, int m, int n) {
        double[] positives = new double[m];
        double[] negatives = new double[n];
        int pi = 0;
        int ni = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i]) {
                positives[pi++] = scores[i];
            } else {
                negatives[ni++] = scores[i];
            }
        }
        double[] all = new double[m + n];
        System.arraycopy(positives, 0, all, 0, m);
        System.arraycopy(negatives, 0, all, m, n);
        double[] rankAll = Ranks.midranks(all);
        double[] rankPositives = Ranks.midranks(positives);
        double[] rankNegatives = Ranks.midranks(negatives);
        double[] v10 = new double[m];
        double[] v01 = new double[n];
        double sum = 0;
        for (int i = 0; i < m; i++) {
            v10[i] = (rankAll[i] - rankPositives[i]) / n;
            sum += v10[i];
        }
        for (int j = 0; j < n; j++) {
            v01[j] = 1.0 - (rankAll[m + j] - rankNegatives[j]) / m;
        }
        return new Components(sum / m, v10, v01);
    }

    /** Sample covariance (n - 1) of two component vectors around their AUCs. */
    private static double variance(double[] x, double meanX, double[] y, double meanY) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            sum += (x[i] - meanX) * (y[i] - meanY);
        }
        return sum / (x.length - 1);
    }
}
