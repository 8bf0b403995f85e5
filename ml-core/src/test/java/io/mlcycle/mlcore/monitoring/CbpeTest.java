package io.mlcycle.mlcore.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mlcycle.mlcore.eval.BinaryMetrics;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class CbpeTest {

    /** Calibrated scores: p = sigmoid(z), z ~ N(0, 1.5^2); the outcome is a Bernoulli(p) draw. */
    static double[] calibratedScores(int n, SplittableRandom random) {
        double[] p = new double[n];
        for (int i = 0; i < n; i++) {
            p[i] = Calibration.sigmoid(1.5 * gaussian(random));
        }
        return p;
    }

    static boolean[] draw(double[] p, SplittableRandom random) {
        boolean[] y = new boolean[p.length];
        for (int i = 0; i < p.length; i++) {
            y[i] = random.nextDouble() < p[i];
        }
        return y;
    }

    static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    static double accuracy(boolean[] y, double[] scores, double threshold) {
        long correct = 0;
        for (int i = 0; i < y.length; i++) {
            correct += (scores[i] >= threshold) == y[i] ? 1 : 0;
        }
        return (double) correct / y.length;
    }

    @Test
    void recoversTrueAccuracyAndAucWithNominalCoverage() {
        Cbpe cbpe = new Cbpe(0.5, 0.95, 400, 7);
        int runs = 200;
        int accuracyCovered = 0;
        int aucCovered = 0;
        double worstAccuracyError = 0;
        for (int seed = 0; seed < runs; seed++) {
            SplittableRandom random = new SplittableRandom(seed);
            double[] p = calibratedScores(1000, random);
            boolean[] y = draw(p, random);
            PerformanceEstimate estimate = cbpe.estimate(p, Calibration.IDENTITY);
            double realisedAccuracy = accuracy(y, p, 0.5);
            double realisedAuc = BinaryMetrics.rocAuc(y, p);
            accuracyCovered += estimate.accuracyConsistent(realisedAccuracy) ? 1 : 0;
            aucCovered += estimate.rocAucConsistent(realisedAuc) ? 1 : 0;
            worstAccuracyError = Math.max(worstAccuracyError, Math.abs(estimate.accuracy() - realisedAccuracy));
        }
        // 95 % intervals: over 200 runs the coverage is 0.95 +- 0.03 (two binomial standard errors)
        assertThat(accuracyCovered / (double) runs).isBetween(0.91, 0.99);
        assertThat(aucCovered / (double) runs).isBetween(0.91, 0.99);
        assertThat(worstAccuracyError).isLessThan(0.06);
    }

    @Test
    void expectedAccuracyIsTheMeanOfTheDecidedClassProbability() {
        // decisions at 0.5: 0.9 -> positive (right with 0.9), 0.2 -> negative (0.8), 0.6 -> positive (0.6)
        PerformanceEstimate estimate = new Cbpe(0.5).estimate(new double[] {0.9, 0.2, 0.6}, Calibration.IDENTITY);
        assertThat(estimate.accuracy()).isCloseTo((0.9 + 0.8 + 0.6) / 3, within(1e-12));
        assertThat(estimate.expectedPositives()).isCloseTo((0.9 + 0.2 + 0.6) / 3, within(1e-12));
    }

    @Test
    void expectedAucOfTwoPredictions() {
        // pairs of distinct predictions: (a positive, b negative) with 0.9 * 0.8, concordant since 0.9 > 0.2;
        // (b positive, a negative) with 0.2 * 0.1, discordant -> 0.72 / (0.72 + 0.02)
        double auc = Cbpe.expectedAuc(new double[] {0.9, 0.2}, new double[] {0.9, 0.2});
        assertThat(auc).isCloseTo(0.72 / 0.74, within(1e-12));
    }

    @Test
    void flagsDivergenceWhenTheLabelRelationChanges() {
        Cbpe cbpe = new Cbpe(0.5, 0.95, 400, 11);
        SplittableRandom random = new SplittableRandom(3);
        double[] p = calibratedScores(2000, random);
        Boolean[] unchanged = new Boolean[p.length];
        Boolean[] changed = new Boolean[p.length];
        for (int i = 0; i < p.length; i++) {
            // half of the outcomes are known yet
            boolean known = i % 2 == 0;
            unchanged[i] = known ? random.nextDouble() < p[i] : null;
            // P(y | x) changed: the features now say much less about the outcome
            double shifted = Calibration.sigmoid(0.3 * Calibration.logit(p[i]));
            changed[i] = known ? random.nextDouble() < shifted : null;
        }
        Reconciliation same = Reconciliation.of(cbpe, Calibration.IDENTITY, p, unchanged, 0.5);
        Reconciliation drifted = Reconciliation.of(cbpe, Calibration.IDENTITY, p, changed, 0.5);

        assertThat(same.labelCoverage()).isEqualTo(0.5);
        assertThat(same.diverged()).isFalse();
        assertThat(drifted.diverged()).isTrue();
        assertThat(drifted.realisedAccuracy()).isLessThan(drifted.labeledEstimate().accuracyLow());
        // the estimate itself sees nothing: the scores did not change, only what they mean
        assertThat(drifted.window().accuracy()).isEqualTo(same.window().accuracy());
    }

    @Test
    void plattCalibrationRepairsMiscalibratedScores() {
        SplittableRandom random = new SplittableRandom(5);
        double[] p = calibratedScores(4000, random);
        boolean[] y = draw(p, random);
        double[] overconfident = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            overconfident[i] = Calibration.sigmoid(2 * Calibration.logit(p[i]) + 0.5);
        }
        // fitted on the first half (the "holdout"), applied to the second
        int half = p.length / 2;
        boolean[] holdoutY = java.util.Arrays.copyOf(y, half);
        double[] holdoutS = java.util.Arrays.copyOf(overconfident, half);
        Calibration calibration = Calibration.fitPlatt(holdoutY, holdoutS);
        assertThat(calibration.a()).isCloseTo(0.5, within(0.08));
        assertThat(calibration.b()).isCloseTo(-0.25, within(0.12));

        double[] liveS = java.util.Arrays.copyOfRange(overconfident, half, p.length);
        boolean[] liveY = java.util.Arrays.copyOfRange(y, half, p.length);
        Cbpe cbpe = new Cbpe(0.5);
        double realised = accuracy(liveY, liveS, 0.5);
        assertThat(cbpe.estimate(liveS, calibration).accuracyConsistent(realised)).isTrue();
        // taken at face value, over-confident scores promise more than they deliver
        assertThat(cbpe.estimate(liveS, Calibration.IDENTITY).accuracyLow()).isGreaterThan(realised);
        assertThat(Calibration.fromMetrics(calibration.toMetrics())).contains(calibration);
    }

    /**
     * One trial: a model whose raw scores are over-confident (raw = sigmoid(2 logit(p) + 0.5), p the true
     * probability), calibrated by Platt scaling on a small holdout, then estimating a live set before its outcomes.
     * Returns {covered with the fit's error, covered with the fit taken as exact, realised accuracy, estimate}.
     */
    static double[] calibrationTrial(int seed, int holdoutSize, int liveSize, Cbpe cbpe) {
        SplittableRandom random = new SplittableRandom(1000 + seed);
        double[] holdoutP = calibratedScores(holdoutSize, random);
        boolean[] holdoutY = draw(holdoutP, random);
        double[] livep = calibratedScores(liveSize, random);
        boolean[] liveY = draw(livep, random);
        Calibration fitted = Calibration.fitPlatt(holdoutY, overconfident(holdoutP));
        double[] liveRaw = overconfident(livep);
        double realised = accuracy(liveY, liveRaw, 0.5);
        PerformanceEstimate withError = cbpe.estimate(liveRaw, fitted);
        PerformanceEstimate exact = cbpe.estimate(liveRaw, fitted.exact());
        return new double[] {withError.accuracyConsistent(realised) ? 1 : 0, exact.accuracyConsistent(realised) ? 1 : 0,
                realised, withError.accuracy()};
    }

    static double[] overconfident(double[] p) {
        double[] raw = new double[p.length];
        for (int i = 0; i < p.length; i++) {
            raw[i] = Calibration.sigmoid(2 * Calibration.logit(p[i]) + 0.5);
        }
        return raw;
    }

    @Test
    void theIntervalIncludesTheCalibrationFitsErrorSoCalibratedScoresRecoverTheTrueAccuracyWithNominalCoverage() {
        Cbpe cbpe = new Cbpe(0.5, 0.95, 200, 13);
        int runs = 150;
        int coveredWithError = 0;
        int coveredExact = 0;
        double worstError = 0;
        for (int seed = 0; seed < runs; seed++) {
            double[] trial = calibrationTrial(seed, 150, 3000, cbpe);
            coveredWithError += (int) trial[0];
            coveredExact += (int) trial[1];
            worstError = Math.max(worstError, Math.abs(trial[2] - trial[3]));
        }
        // a holdout of 150 leaves the calibration uncertain: counting only the outcomes' chance under-covers
        assertThat(coveredWithError / (double) runs).isGreaterThanOrEqualTo(0.9);
        assertThat(coveredExact / (double) runs).isLessThan(coveredWithError / (double) runs - 0.1);
        assertThat(worstError).isLessThan(0.08);
    }

    @Test
    void theFitsCovarianceShrinksWithTheHoldoutAndIsStoredWithTheVersion() {
        SplittableRandom random = new SplittableRandom(21);
        double[] small = calibratedScores(100, random);
        double[] large = calibratedScores(10_000, random);
        Calibration fromSmall = Calibration.fitPlatt(draw(small, random), overconfident(small));
        Calibration fromLarge = Calibration.fitPlatt(draw(large, random), overconfident(large));
        assertThat(fromSmall.uncertain()).isTrue();
        // standard errors fall as 1 / sqrt(n): 100 times the outcomes, about a tenth of the standard error
        assertThat(Math.sqrt(fromLarge.varA()) / Math.sqrt(fromSmall.varA())).isBetween(0.05, 0.2);
        assertThat(Calibration.fromMetrics(fromSmall.toMetrics())).contains(fromSmall);
        // a version stored before the covariance existed reads as exact
        assertThat(Calibration.fromMetrics(java.util.Map.of(Calibration.A_KEY, 0.5, Calibration.B_KEY, -0.2)))
                .contains(new Calibration(0.5, -0.2));
    }

    @Test
    void withAFittedCalibrationAChangedLabelRelationIsStillFlaggedAndAnUnchangedOneIsNot() {
        Cbpe cbpe = new Cbpe(0.5, 0.95, 200, 17);
        SplittableRandom random = new SplittableRandom(9);
        double[] holdoutP = calibratedScores(500, random);
        Calibration fitted = Calibration.fitPlatt(draw(holdoutP, random), overconfident(holdoutP));
        double[] p = calibratedScores(2000, random);
        double[] raw = overconfident(p);
        Boolean[] unchanged = new Boolean[p.length];
        Boolean[] changed = new Boolean[p.length];
        for (int i = 0; i < p.length; i++) {
            boolean known = i % 2 == 0;
            unchanged[i] = known ? random.nextDouble() < p[i] : null;
            changed[i] = known ? random.nextDouble() < Calibration.sigmoid(0.3 * Calibration.logit(p[i])) : null;
        }
        Reconciliation same = Reconciliation.of(cbpe, fitted, raw, unchanged, 0.5);
        Reconciliation drifted = Reconciliation.of(cbpe, fitted, raw, changed, 0.5);

        assertThat(same.diverged()).isFalse();
        assertThat(drifted.diverged()).isTrue();
        assertThat(drifted.realisedAccuracy()).isLessThan(drifted.labeledEstimate().accuracyLow());
        // the fit's error widens the interval compared with taking the fit as exact
        PerformanceEstimate withError = cbpe.estimate(raw, fitted);
        PerformanceEstimate exact = cbpe.estimate(raw, fitted.exact());
        assertThat(withError.accuracyHigh() - withError.accuracyLow())
                .isGreaterThan(exact.accuracyHigh() - exact.accuracyLow());
    }
}
