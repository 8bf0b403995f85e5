package io.mlcycle.mlcore.profile;

import java.util.ArrayList;
import java.util.List;

/**
 * Drift statistics of a window against a reference profile. PSI = sum over bins (incl. missing) of
 * (q - p) ln(q / p), with reference fractions p and window fractions q both floored at {@value #EPSILON} so empty
 * bins stay finite. Rule of thumb: below 0.1 stable, 0.1-0.25 moderate, above 0.25 significant shift.
 * Stateless and thread-safe.
 */
public final class DriftCalculator {
    public static final double EPSILON = 1e-4;
    public static final String PSI = "psi";
    public static final String KS = "ks";

    private DriftCalculator() {
    }

    /** PSI of window counts (reference bins, then missing) against the reference; NaN for an empty window. */
    public static double psi(FeatureProfile reference, long[] windowCounts) {
        double[] p = reference.distribution();
        checkLength(reference, windowCounts, p.length);
        long total = 0;
        for (long c : windowCounts) {
            total += c;
        }
        if (total == 0) {
            return Double.NaN;
        }
        double psi = 0;
        for (int i = 0; i < p.length; i++) {
            double pi = Math.max(p[i], EPSILON);
            double qi = Math.max((double) windowCounts[i] / total, EPSILON);
            psi += (qi - pi) * Math.log(qi / pi);
        }
        return psi;
    }

    /**
     * Kolmogorov-Smirnov distance between the reference and window distributions of the present (non-missing)
     * values, evaluated at the reference bin edges (so a lower bound of the exact KS statistic). Numeric features
     * only; NaN for categorical features or when either side has no present values.
     */
    public static double ks(FeatureProfile reference, long[] windowCounts) {
        if (!reference.isNumeric()) {
            return Double.NaN;
        }
        double[] p = reference.distribution();
        checkLength(reference, windowCounts, p.length);
        int bins = reference.bins();
        double referencePresent = 1.0 - reference.missingFraction();
        long windowPresent = 0;
        for (int i = 0; i < bins; i++) {
            windowPresent += windowCounts[i];
        }
        if (referencePresent <= 0 || windowPresent == 0) {
            return Double.NaN;
        }
        double cdfReference = 0;
        double cdfWindow = 0;
        double distance = 0;
        for (int i = 0; i < bins; i++) {
            cdfReference += p[i] / referencePresent;
            cdfWindow += (double) windowCounts[i] / windowPresent;
            distance = Math.max(distance, Math.abs(cdfReference - cdfWindow));
        }
        return distance;
    }

    /** PSI of every feature of the window against its reference. */
    public static DriftReport compare(WindowProfile window, double psiThreshold) {
        List<FeatureDrift> drifts = new ArrayList<>();
        for (FeatureProfile feature : window.reference().features()) {
            double value = psi(feature, window.counts(feature.feature()));
            drifts.add(new FeatureDrift(feature.feature(), PSI, value, psiThreshold, value > psiThreshold));
        }
        return new DriftReport(drifts, window.records());
    }

    private static void checkLength(FeatureProfile reference, long[] counts, int expected) {
        if (counts.length != expected) {
            throw new IllegalArgumentException("feature '" + reference.feature() + "' needs " + expected
                    + " counts (bins then missing), got " + counts.length);
        }
    }
}
