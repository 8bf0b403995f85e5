package io.mlcycle.mlcore.profile;

import io.mlcycle.mlcore.spec.DriftSpec;
import org.apache.commons.statistics.inference.ChiSquareTest;
import java.util.ArrayList;
import java.util.List;

/**
 * Drift statistics of a window against a reference profile. PSI = sum over bins (incl. missing) of
 * (q - p) ln(q / p), with reference fractions p and window fractions q both floored at {@value #EPSILON} so empty
 * bins stay finite. Rule of thumb: below 0.1 stable, 0.1-0.25 moderate, above 0.25 significant shift.
 * Stateless and thread-safe.
 */
public final class DriftCalculator {
    public static final String JS = "js";
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

    /** PSI of every feature of the window against its reference; drift when PSI exceeds the threshold. */
    public static DriftReport compare(WindowProfile window, double psiThreshold) {
        List<FeatureDrift> drifts = new ArrayList<>();
        for (FeatureProfile feature : window.reference().features()) {
            double value = psi(feature, window.counts(feature.feature()));
            drifts.add(new FeatureDrift(feature.feature(), PSI, value, psiThreshold, value > psiThreshold));
        }
        return new DriftReport(drifts, window.records());
    }

    /**
     * Every feature's verdict, combining significance with effect size: the chi-square goodness-of-fit test of the
     * window's bins (missing included) against the reference distribution gives the significance, PSI the effect
     * size. {@code DRIFT}: significant at {@code significance} and PSI above {@code psiThreshold}; {@code POSSIBLE}:
     * significant and PSI above half the threshold; otherwise {@code NONE}. A tiny but significant shift in a large
     * window stays NONE; a large PSI in a small noisy window that is not significant stays NONE too.
     */
    public static DriftReport compare(WindowProfile window, double psiThreshold, double significance) {
        List<FeatureDrift> drifts = new ArrayList<>();
        for (FeatureProfile feature : window.reference().features()) {
            long[] counts = window.counts(feature.feature());
            double value = psi(feature, counts);
            double p = chiSquarePValue(feature, counts);
            boolean significant = p < significance;
            FeatureDrift.Verdict verdict = !significant || !(value > psiThreshold / 2) ? FeatureDrift.Verdict.NONE
                    : value > psiThreshold ? FeatureDrift.Verdict.DRIFT : FeatureDrift.Verdict.POSSIBLE;
            drifts.add(new FeatureDrift(feature.feature(), PSI, value, psiThreshold,
                    verdict == FeatureDrift.Verdict.DRIFT, verdict, p));
        }
        return new DriftReport(drifts, window.records());
    }

    /**
     * Every feature's verdicts under the spec's {@code drift} section, two statistics per feature: PSI with the
     * chi-square test of the bins (all features); for numeric features the Kolmogorov-Smirnov distance with its
     * test, for categorical ones the Jensen-Shannon distance with the chi-square test. Each statistic's verdict is
     * {@code DRIFT} when significant (p below {@code significance}) and above its threshold, {@code POSSIBLE} when
     * significant and above half of it, otherwise {@code NONE}.
     */
    public static DriftReport compare(WindowProfile window, DriftSpec spec) {
        List<FeatureDrift> drifts = new ArrayList<>();
        for (FeatureProfile feature : window.reference().features()) {
            long[] counts = window.counts(feature.feature());
            double chiSquareP = chiSquarePValue(feature, counts);
            drifts.add(verdict(feature.feature(), PSI, psi(feature, counts), spec.psiThreshold(), chiSquareP,
                    spec.significance()));
            if (feature.isNumeric()) {
                double d = ks(feature, counts);
                drifts.add(verdict(feature.feature(), KS, d, spec.ksThreshold(),
                        ksPValue(d, presentOf(counts), feature.count() - feature.missing()), spec.significance()));
            } else {
                drifts.add(verdict(feature.feature(), JS, jensenShannonDistance(feature, counts), spec.jsThreshold(),
                        chiSquareP, spec.significance()));
            }
        }
        return new DriftReport(drifts, window.records());
    }

    /** The three-level verdict of one statistic: significance and effect size together. */
    static FeatureDrift verdict(String feature, String statistic, double value, double threshold, double p,
                                double significance) {
        boolean significant = p < significance;
        FeatureDrift.Verdict verdict = !significant || !(value > threshold / 2) ? FeatureDrift.Verdict.NONE
                : value > threshold ? FeatureDrift.Verdict.DRIFT : FeatureDrift.Verdict.POSSIBLE;
        return new FeatureDrift(feature, statistic, value, threshold, verdict == FeatureDrift.Verdict.DRIFT, verdict,
                p);
    }

    /**
     * Asymptotic p-value of the two-sample Kolmogorov-Smirnov statistic {@code d} between a window of {@code n}
     * present values and a reference of {@code m} (Kolmogorov's distribution at lambda = (sqrt(ne) + 0.12 +
     * 0.11/sqrt(ne)) d with ne = nm/(n+m), Stephens' small-sample correction); NaN when either side is empty.
     */
    public static double ksPValue(double d, long n, long m) {
        if (!(d >= 0) || n <= 0 || m <= 0) {
            return Double.NaN;
        }
        double ne = (double) n * m / (n + m);
        double root = Math.sqrt(ne);
        double lambda = (root + 0.12 + 0.11 / root) * d;
        if (lambda < 0.2) {
            return 1.0;
        }
        double sum = 0;
        double sign = 1;
        for (int k = 1; k <= 100; k++) {
            double term = sign * Math.exp(-2.0 * k * k * lambda * lambda);
            sum += term;
            if (Math.abs(term) < 1e-12) {
                break;
            }
            sign = -sign;
        }
        return Math.min(1.0, Math.max(0.0, 2 * sum));
    }

    /** Jensen-Shannon distance: the square root of {@link #jensenShannon} (a metric, 0..1). */
    public static double jensenShannonDistance(FeatureProfile reference, long[] windowCounts) {
        double divergence = jensenShannon(reference, windowCounts);
        return Double.isNaN(divergence) ? Double.NaN : Math.sqrt(Math.max(0, divergence));
    }

    private static long presentOf(long[] counts) {
        long present = 0;
        for (int i = 0; i < counts.length - 1; i++) {
            present += counts[i];
        }
        return present;
    }

    /** Chi-square goodness-of-fit p-value of the window counts against the reference distribution; NaN if empty. */
    public static double chiSquarePValue(FeatureProfile reference, long[] windowCounts) {
        double[] p = reference.distribution();
        checkLength(reference, windowCounts, p.length);
        long total = 0;
        for (long c : windowCounts) {
            total += c;
        }
        if (total == 0 || p.length < 2) {
            return Double.NaN;
        }
        double[] expected = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            expected[i] = Math.max(p[i], EPSILON) * total;
        }
        return ChiSquareTest.withDefaults().test(expected, windowCounts).getPValue();
    }

    /**
     * Jensen-Shannon divergence (base 2, between 0 and 1) between the reference and window distributions (bins or
     * categories, missing included); NaN for an empty window. A bounded effect size for categorical features.
     */
    public static double jensenShannon(FeatureProfile reference, long[] windowCounts) {
        double[] p = reference.distribution();
        checkLength(reference, windowCounts, p.length);
        long total = 0;
        for (long c : windowCounts) {
            total += c;
        }
        if (total == 0) {
            return Double.NaN;
        }
        double js = 0;
        for (int i = 0; i < p.length; i++) {
            double q = (double) windowCounts[i] / total;
            double m = (p[i] + q) / 2;
            if (p[i] > 0) {
                js += 0.5 * p[i] * Math.log(p[i] / m);
            }
            if (q > 0) {
                js += 0.5 * q * Math.log(q / m);
            }
        }
        return js / Math.log(2);
    }

    private static void checkLength(FeatureProfile reference, long[] counts, int expected) {
        if (counts.length != expected) {
            throw new IllegalArgumentException("feature '" + reference.feature() + "' needs " + expected
                    + " counts (bins then missing), got " + counts.length);
        }
    }
}
