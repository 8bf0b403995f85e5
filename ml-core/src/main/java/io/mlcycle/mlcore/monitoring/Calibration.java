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
 * <p>A fit on a few hundred outcomes is itself uncertain, so the fit also keeps the covariance of (a, b): the inverse
 * of the log loss's Hessian at the fit (the asymptotic covariance of the maximum-likelihood estimate). {@link Cbpe}
 * draws (a, b) from it, so its interval covers the calibration's error as well as the randomness of the outcomes.
 * Stored as three more entries ({@value #VAR_A_KEY}, {@value #VAR_B_KEY}, {@value #COV_AB_KEY}); a version stored
 * without them reads as a calibration known exactly.
 *
 * @param a     slope on the logit of the raw score (1 = keep the spread)
 * @param b     intercept (0 = no shift)
 * @param varA  variance of the fitted slope (0: known exactly)
 * @param varB  variance of the fitted intercept
 * @param covAB covariance of slope and intercept
 */
public record Calibration(double a, double b, double varA, double varB, double covAB) {

    public static final String A_KEY = "calibration_platt_a";
    public static final String B_KEY = "calibration_platt_b";
    public static final String VAR_A_KEY = "calibration_platt_var_a";
    public static final String VAR_B_KEY = "calibration_platt_var_b";
    public static final String COV_AB_KEY = "calibration_platt_cov_ab";

    /** Scores taken as already calibrated. */
    public static final Calibration IDENTITY = new Calibration(1, 0);

    private static final double EPS = 1e-12;

    public Calibration {
        if (!Double.isFinite(a) || !Double.isFinite(b)) {
            throw new IllegalArgumentException("calibration parameters must be finite, got a=" + a + " b=" + b);
        }
        if (!(varA >= 0) || !(varB >= 0) || !Double.isFinite(varA) || !Double.isFinite(varB)
                || !Double.isFinite(covAB) || covAB * covAB > varA * varB * (1 + 1e-9)) {
            throw new IllegalArgumentException("calibration covariance must be a covariance matrix, got var_a=" + varA
                    + " var_b=" + varB + " cov_ab=" + covAB);
        }
    }

    /** A calibration known exactly (no fitting error). */
    public Calibration(double a, double b) {
        this(a, b, 0, 0, 0);
    }

    /** Whether the fit's error is known (and not zero). */
    public boolean uncertain() {
        return varA > 0 || varB > 0;
    }

    /** The calibration without its fitting error: the point estimate taken as exact. */
    public Calibration exact() {
        return new Calibration(a, b);
    }

    /** The calibrated probability of the positive class for a raw score in [0, 1]. */
    public double apply(double score) {
        return sigmoid(a * logit(score) + b);
    }

    /**
     * How far the true calibrated probability of {@code score} may lie from {@link #apply(double)} for any (a, b) the
     * fit cannot rule out: the largest distance over the fit's {@code level} confidence ellipse of (a, b) (the
     * covariance's ellipse of chi-square radius with two degrees of freedom, {@code -2 ln(1 - level)}). The ellipse
     * holds for every score at once, so a bound read from it at each score holds for all of them together; 0 for a
     * calibration known exactly.
     */
    public double errorMargin(double score, double level) {
        if (!uncertain()) {
            return 0;
        }
        if (!(level > 0 && level < 1)) {
            throw new IllegalArgumentException("level must be in (0, 1): " + level);
        }
        double x = logit(score);
        // the logit a*x + b over the ellipse ranges over its value at the fit plus or minus k standard errors
        double se = Math.sqrt(Math.max(0, varA * x * x + 2 * covAB * x + varB));
        double k = Math.sqrt(-2 * Math.log(1 - level));
        double z = a * x + b;
        double p = sigmoid(z);
        return Math.max(sigmoid(z + k * se) - p, p - sigmoid(z - k * se));
    }

    public double[] apply(double[] scores) {
        double[] out = new double[scores.length];
        for (int i = 0; i < scores.length; i++) {
            out[i] = apply(scores[i]);
        }
        return out;
    }

    /** The entries to add to a version's offline metrics (the covariance only when there is one). */
    public Map<String, Double> toMetrics() {
        Map<String, Double> map = new LinkedHashMap<>();
        map.put(A_KEY, a);
        map.put(B_KEY, b);
        if (uncertain()) {
            map.put(VAR_A_KEY, varA);
            map.put(VAR_B_KEY, varB);
            map.put(COV_AB_KEY, covAB);
        }
        return map;
    }

    /** The calibration stored in a version's offline metrics, if one is (without a stored covariance: exact). */
    public static Optional<Calibration> fromMetrics(Map<String, Double> metrics) {
        if (metrics == null || !metrics.containsKey(A_KEY) || !metrics.containsKey(B_KEY)) {
            return Optional.empty();
        }
        if (metrics.containsKey(VAR_A_KEY) && metrics.containsKey(VAR_B_KEY) && metrics.containsKey(COV_AB_KEY)) {
            return Optional.of(new Calibration(metrics.get(A_KEY), metrics.get(B_KEY), metrics.get(VAR_A_KEY),
                    metrics.get(VAR_B_KEY), metrics.get(COV_AB_KEY)));
        }
        return Optional.of(new Calibration(metrics.get(A_KEY), metrics.get(B_KEY)));
    }

    /**
     * A plausible calibration drawn from the fit's error: (a, b) plus the Cholesky factor of the covariance times
     * two standard normal draws {@code z1}, {@code z2}.
     */
    Calibration perturbed(double z1, double z2) {
        double l11 = Math.sqrt(varA);
        double l21 = l11 > 0 ? covAB / l11 : 0;
        double l22 = Math.sqrt(Math.max(0, varB - l21 * l21));
        return new Calibration(a + l11 * z1, b + l21 * z1 + l22 * z2);
    }

    /**
     * Fits Platt scaling by Newton's method (with a line search) on the log loss, with Platt's smoothed targets
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
        // Newton's method with a backtracking line search (Lin, Lin and Weng's fix of Platt's algorithm): a full
        // Newton step from (1, 0) overshoots on scores with large logits and can run off to a ~ 1e10.
        double a = 1;
        double b = 0;
        double loss = logLoss(x, t, a, b);
        for (int iteration = 0; iteration < 100; iteration++) {
            double ga = 0;
            double gb = 0;
            double haa = 1e-12;
            double hab = 0;
            double hbb = 1e-12;
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
            if (!(Math.abs(det) > 1e-18)) {
                break;
            }
            double da = (hbb * ga - hab * gb) / det;
            double db = (haa * gb - hab * ga) / det;
            double gradientDotStep = ga * da + gb * db;
            double step = 1;
            double nextLoss = Double.NaN;
            while (step >= 1e-10) {
                nextLoss = logLoss(x, t, a - step * da, b - step * db);
                if (nextLoss <= loss - 1e-4 * step * gradientDotStep) {
                    break;
                }
                step /= 2;
            }
            if (step < 1e-10) {
                break; // no step decreases the loss: at the minimum up to rounding
            }
            a -= step * da;
            b -= step * db;
            double improvement = loss - nextLoss;
            loss = nextLoss;
            if (Math.abs(step * da) < 1e-10 && Math.abs(step * db) < 1e-10 || improvement < 1e-12 * Math.max(1, loss)) {
                break;
            }
        }
        if (!Double.isFinite(a) || !Double.isFinite(b)) {
            return IDENTITY;
        }
        // covariance of the fit: the inverse of the log loss's Hessian (observed Fisher information) at (a, b)
        double haa = 0;
        double hab = 0;
        double hbb = 0;
        for (double xi : x) {
            double p = sigmoid(a * xi + b);
            double w = p * (1 - p);
            haa += w * xi * xi;
            hab += w * xi;
            hbb += w;
        }
        double det = haa * hbb - hab * hab;
        if (!(det > 0) || !Double.isFinite(det)) {
            return new Calibration(a, b);
        }
        double varA = hbb / det;
        double varB = haa / det;
        double covAB = -hab / det;
        if (!Double.isFinite(varA) || !Double.isFinite(varB) || !Double.isFinite(covAB)) {
            return new Calibration(a, b);
        }
        return new Calibration(a, b, varA, varB, covAB);
    }

    /** Log loss of the targets t under sigmoid(a x + b), computed without overflow. */
    private static double logLoss(double[] x, double[] t, double a, double b) {
        double sum = 0;
        for (int i = 0; i < x.length; i++) {
            double z = a * x[i] + b;
            // -log sigmoid(z) = log(1 + e^-z), -log(1 - sigmoid(z)) = log(1 + e^z)
            double softplusMinus = Math.max(-z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
            double softplusPlus = Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
            sum += t[i] * softplusMinus + (1 - t[i]) * softplusPlus;
        }
        return sum;
    }

    static double logit(double p) {
        double q = Math.min(1 - EPS, Math.max(EPS, p));
        return Math.log(q / (1 - q));
    }

    static double sigmoid(double z) {
        return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
}
