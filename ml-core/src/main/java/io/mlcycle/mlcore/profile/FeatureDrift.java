package io.mlcycle.mlcore.profile;

/**
 * One feature's drift verdict.
 *
 * @param feature   feature name
 * @param statistic "psi" (population stability index), "ks" (Kolmogorov-Smirnov distance over the bins) or "js"
 *                  (Jensen-Shannon distance)
 * @param value     the statistic's value (NaN when the window is empty)
 * @param threshold the threshold it was compared with
 * @param drifted   the verdict is {@link Verdict#DRIFT}
 * @param verdict   none, possible or drift: significance and effect size together (see {@link DriftCalculator})
 * @param pValue    the p-value of the statistic.s test (chi-square for psi and js, Kolmogorov-Smirnov for ks; NaN if none)
 */
public record FeatureDrift(String feature, String statistic, double value, double threshold, boolean drifted,
                           Verdict verdict, double pValue) {

    /** Three levels, so that large windows, where every p-value is tiny, do not flag every wobble. */
    public enum Verdict { NONE, POSSIBLE, DRIFT }

    /** A verdict on the statistic alone: drift when {@code drifted}. */
    public FeatureDrift(String feature, String statistic, double value, double threshold, boolean drifted) {
        this(feature, statistic, value, threshold, drifted, drifted ? Verdict.DRIFT : Verdict.NONE, Double.NaN);
    }
}
