package io.mlcycle.mlcore.profile;

/**
 * One feature's drift verdict.
 *
 * @param feature   feature name
 * @param statistic "psi" (population stability index) or "ks" (Kolmogorov-Smirnov distance over the bins)
 * @param value     the statistic's value (NaN when the window is empty)
 * @param threshold the threshold it was compared with
 * @param drifted   value > threshold
 */
public record FeatureDrift(String feature, String statistic, double value, double threshold, boolean drifted) {
}
