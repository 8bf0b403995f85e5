package io.mlcycle.mlcore.online;

import org.apache.commons.statistics.distribution.NormalDistribution;

/**
 * Whether a model's online loss is significantly worse than its offline loss: a one-sided z test of "online mean
 * loss &le; offline loss + margin" on one window's per-outcome losses (e.g. Brier scores).
 */
public final class Degradation {
    private static final NormalDistribution STANDARD_NORMAL = NormalDistribution.of(0, 1);

    private Degradation() {
    }

    /**
     * The one-sided p-value of the window's mean loss exceeding {@code offline + margin}; 1 when it cannot be
     * computed (fewer than two outcomes, no variance).
     */
    public static double pValue(double onlineMean, double onlineVariance, long n, double offline, double margin) {
        if (n < 2 || !(onlineVariance > 0) || Double.isNaN(onlineMean) || Double.isNaN(offline)) {
            return 1.0;
        }
        double z = (onlineMean - offline - margin) / Math.sqrt(onlineVariance / n);
        return STANDARD_NORMAL.survivalProbability(z);
    }
}
