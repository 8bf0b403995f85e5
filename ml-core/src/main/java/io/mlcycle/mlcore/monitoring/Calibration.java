package io.mlcycle.mlcore.monitoring;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Platt scaling of a model's scores: {@code calibrated(s) = 1 / (1 + exp(-(a * logit(s) + b)))}, fitted on the
 * version's holdout at training time and stored with the version as two entries of its offline metrics
 * ({@value #A_KEY}, {@value #B_KEY}), so the registry contract does not change. Performance estimation before labels
 * ({@link Cbpe}) is only as good as this calibration.
 *
 * <p>Two parameters on logit scale (rather than isotonic regression) because the holdout of a version is often a few
 * hundred examples, where isotonic steps overfit, and because two numbers fit the existing {@code map<double>}.
 *
 * @param a slope on the logit of the raw score (1 = keep the spread)
 * @param b intercept (0 = no shift)
 */
public record Calibration(double a, double b) {

    public static final String A_KEY = "calibration_platt_a";
    public static final String B_KEY = "calibration_platt_b";

    /** Scores taken as already calibrated. */
    public static final Calibration IDENTITY = new Calibration(1, 0);

    private static final double EPS = 1e-12;

    public Calibration {
        if (!Double.isFinite(a) || !Double.isFinite(b)) {
            throw new IllegalArgumentException("calibration parameters must be finite, got a=" + a + " b=" + b);
        }
    }

    /** The calibrated probability of the positive class for a raw score in [0, 1]. */
    public double apply(double score) {
        return sigmoid(a * logit(score) + b);
    }

    public double[] apply(double[] scores) {
        double[] out = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            out[i] = apply(scores[i]);
        }
        return out;
    }

    /** The two entries to add to a version's offline metrics. */
    public Map<String, Double> toMetrics() {
        Map<String, Double> map = new LinkedHashMap<>();
        map.put(A_KEY, a);
        map.put(B_KEY, b);
        return map;
    }

    /** The calibration stored in a version's offline metrics, if one is. */
    public static Optional<Calibration> fromMetrics(Map<String, Double> metrics) {
        if (metrics == null || !metrics.containsKey(A_KEY) || !metrics.containsKey(B_KEY)) {
            return Optional.empty();
        }
        return Optional.of(new Calibration(metrics.get(A_KEY), metrics.get(B_KEY)));
    }

    /**
     * Fits Platt scaling by Newton's method on the log loss, with Platt's smoothed targets
     * ({@code (n+ + 1)/(n+ + 2)} and {@code 1/(n- + 2)}) so a separable holdout does not send the slope to infinity.
     * Returns {@link #IDENTITY} when the holdout has fewer than two examples of either class.
     */
    public static Calibration fitPlatt(boolean[] labels, double[] scores) {
        if (labels.length != scores.length) {
            throw new IllegalArgumentException("labels and scores differ in length");
        }
        int positives = 0;
        for (boolean label : labels) {
            positives += label ? 1 : 0;
        }
        int negatives = labels.length - positives;
        if (positives < 2 || negatives < 2) {
            return IDENTITY;
        }
        double hi = (positives + 1.0) / (positives + 2.0);
        double lo = 1.0 / (negatives + 2.0);
        double[] x = new double[scores.length];
        double[] t = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            x[i] = logit(scores[i]);
            t[i] = labels[i] ? hi : lo;
        }
        double a = 1;
        double b = 0;
        for (int iteration = 0; iteration < 100; iteration++) {
            double ga = 0;
            double gb = 0;
            double haa = 1e-9;
            double hab = 0;
            double hbb = 1e-9;
            for (int i = 0; i < x.length; i++) {
                double p = sigmoid(a * x[i] + b);
                double r = p - t[i];
                double w = p * (1 - p);
                ga += r * x[i];
                gb += r;
                haa += w * x[i] * x[i];
                hab += w * x[i];
                hbb += w;
            }
            double det = haa * hbb - hab * hab;
            if (Math.abs(det) < 1e-18) {
                break;
            }
            double da = (hbb * ga - hab * gb) / det;
            double db = (haa * gb - hab * ga) / det;
            a -= da;
            b -= db;
            if (Math.abs(da) < 1e-10 && Math.abs(db) < 1e-10) {
                break;
            }
        }
        if (!Double.isFinite(a) || !Double.isFinite(b)) {
            return IDENTITY;
        }
        return new Calibration(a, b);
    }

    static double logit(double p) {
        double q = Math.min(1 - EPS, Math.max(EPS, p));
        return Math.log(q / (1 - q));
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
}
