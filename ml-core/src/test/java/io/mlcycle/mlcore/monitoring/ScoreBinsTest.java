package io.mlcycle.mlcore.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mlcycle.mlcore.eval.BinaryMetrics;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The binned estimate and reconciliation against the per-prediction ones they approximate. */
class ScoreBinsTest {

    /** Raw scores of an uncalibrated model, half of the windows' outcomes known. */
    private static Window window(int n, double threshold, long seed, boolean shifted) {
        SplittableRandom random = new SplittableRandom(seed);
        double[] scores = CbpeTest.calibratedScores(n, random);
        Boolean[] outcomes = new Boolean[n];
        ScoreBins bins = new ScoreBins(threshold);
        for (int i = 0; i < n; i++) {
            // calibrated for the truth as sigmoid(0.8 * logit + 0.3); a shifted window's outcomes no longer follow it
            double p = shifted ? 1 - scores[i] : Calibration.sigmoid(0.8 * Calibration.logit(scores[i]) + 0.3);
            outcomes[i] = random.nextBoolean() ? random.nextDouble() < p : null;
            bins.add(scores[i], outcomes[i]);
        }
        return new Window(scores, outcomes, bins);
    }

    private record Window(double[] scores, Boolean[] outcomes, ScoreBins bins) {
    }

    @Test
    void reconcilesAsThePerPredictionEstimateDoes() {
        Calibration calibration = new Calibration(0.8, 0.3, 0.004, 0.002, 0.001);
        for (double threshold : new double[] {0.5, 0.37}) {
            Cbpe cbpe = new Cbpe(threshold, 0.95, 200, 42);
            Window w = window(20_000, threshold, 3, false);
            Reconciliation exact = Reconciliation.of(cbpe, calibration, w.scores(), w.outcomes(), threshold);
            Reconciliation binned = Reconciliation.of(cbpe, calibration, w.bins());

            assertThat(binned.predictions()).isEqualTo(exact.predictions());
            assertThat(binned.labeled()).isEqualTo(exact.labeled());
            // decisions never straddle a bin: the realised accuracy is exact
            assertThat(binned.realisedAccuracy()).isEqualTo(exact.realisedAccuracy());
            assertThat(binned.realisedRocAuc()).isCloseTo(exact.realisedRocAuc(), within(1e-4));
            assertThat(binned.diverged()).isEqualTo(exact.diverged()).isFalse();
            for (PerformanceEstimate[] pair : new PerformanceEstimate[][] {
                    {exact.window(), binned.window()}, {exact.labeledEstimate(), binned.labeledEstimate()}}) {
                PerformanceEstimate e = pair[0];
                PerformanceEstimate b = pair[1];
                assertThat(b.predictions()).isEqualTo(e.predictions());
                assertThat(b.accuracy()).isCloseTo(e.accuracy(), within(1e-4));
                assertThat(b.expectedPositives()).isCloseTo(e.expectedPositives(), within(1e-4));
                assertThat(b.rocAuc()).isCloseTo(e.rocAuc(), within(1e-3));
                // the interval ends are simulated: the same spread, within the simulation's own noise
                assertThat(b.accuracyLow()).isCloseTo(e.accuracyLow(), within(0.003));
                assertThat(b.accuracyHigh()).isCloseTo(e.accuracyHigh(), within(0.003));
                assertThat(b.rocAucLow()).isCloseTo(e.rocAucLow(), within(0.003));
                assertThat(b.rocAucHigh()).isCloseTo(e.rocAucHigh(), within(0.003));
            }
        }
    }

    /**
     * The truth topology estimates every window from its bins, however small (one method for a window's whole life),
     * so the binned interval must keep its nominal coverage on small windows too, where a bin holds one or two scores
     * and the binomial draws are Bernoulli draws: over 200 windows of calibrated scores each, the 95 % intervals cover
     * the realised accuracy and ROC AUC 0.95 +- 0.03 of the time (two binomial standard errors), as the per-prediction
     * estimate's do ({@code CbpeTest}).
     */
    @Test
    void smallWindowsKeepNominalCoverageWhenBinned() {
        Cbpe cbpe = new Cbpe(0.5, 0.95, 200, 42);
        for (int n : new int[] {100, 1_000}) {
            int runs = 200;
            int accuracyCovered = 0;
            int aucCovered = 0;
            int aucRuns = 0;
            for (int seed = 0; seed < runs; seed++) {
                SplittableRandom random = new SplittableRandom(1_000 + seed);
                double[] p = CbpeTest.calibratedScores(n, random);
                boolean[] y = CbpeTest.draw(p, random);
                ScoreBins bins = new ScoreBins(0.5);
                for (int i = 0; i < n; i++) {
                    bins.add(p[i], y[i]);
                }
                Reconciliation r = Reconciliation.of(cbpe, Calibration.IDENTITY, bins);
                assertThat(r.realisedAccuracy()).isEqualTo(CbpeTest.accuracy(y, p, 0.5));
                accuracyCovered += r.window().accuracyConsistent(r.realisedAccuracy()) ? 1 : 0;
                if (!Double.isNaN(r.realisedRocAuc())) {
                    aucRuns++;
                    aucCovered += r.window().rocAucConsistent(r.realisedRocAuc()) ? 1 : 0;
                }
            }
            assertThat(accuracyCovered / (double) runs).as("accuracy, n = %d", n).isBetween(0.91, 0.99);
            assertThat(aucRuns).isEqualTo(runs);
            assertThat(aucCovered / (double) aucRuns).as("ROC AUC, n = %d", n).isBetween(0.91, 0.99);
        }
    }

    @Test
    void callsTheSameDivergence() {
        Calibration calibration = new Calibration(0.8, 0.3);
        Cbpe cbpe = new Cbpe(0.5, 0.95, 200, 42);
        Window w = window(5_000, 0.5, 5, true);
        Reconciliation exact = Reconciliation.of(cbpe, calibration, w.scores(), w.outcomes(), 0.5);
        Reconciliation binned = Reconciliation.of(cbpe, calibration, w.bins());
        assertThat(exact.diverged()).isTrue();
        assertThat(binned.diverged()).isTrue();
        assertThat(binned.realisedAccuracy()).isEqualTo(exact.realisedAccuracy());
    }

    @Test
    void sameBinsAndEstimateWhateverTheOrderOfChanges() {
        Calibration calibration = new Calibration(0.8, 0.3, 0.004, 0.002, 0.001);
        Cbpe cbpe = new Cbpe(0.5, 0.95, 200, 42);
        Window w = window(3_000, 0.5, 9, false);
        // the same predictions, added first without their outcome and in reverse, then given their outcome
        ScoreBins replayed = new ScoreBins(0.5);
        for (int i = w.scores().length - 1; i >= 0; i--) {
            replayed.add(w.scores()[i], null);
        }
        for (int i = 0; i < w.scores().length; i++) {
            if (w.outcomes()[i] != null) {
                replayed.remove(w.scores()[i], null);
                replayed.add(w.scores()[i], w.outcomes()[i]);
            }
        }
        assertThat(Reconciliation.of(cbpe, calibration, replayed))
                .isEqualTo(Reconciliation.of(cbpe, calibration, w.bins()));
    }

    @Test
    void realisedRocAucMatchesTheExactOneWhenScoresAreBinned() {
        ScoreBins bins = new ScoreBins(0.5);
        double[] scores = {0.1, 0.2, 0.2, 0.7, 0.9, 0.9};
        boolean[] labels = {false, true, false, true, false, true};
        for (int i = 0; i < scores.length; i++) {
            bins.add(scores[i], labels[i]);
        }
        assertThat(bins.realisedRocAuc()).isEqualTo(BinaryMetrics.rocAuc(labels, scores));
        assertThat(bins.realisedAccuracy()).isEqualTo(CbpeTest.accuracy(labels, scores, 0.5));
    }

    @Test
    void binomialDrawsHaveTheirMeanAndVariance() {
        SplittableRandom random = new SplittableRandom(1);
        for (double[] np : new double[][] {{10, 0.3}, {1000, 0.004}, {1000, 0.997}, {5000, 0.4}}) {
            int n = (int) np[0];
            double p = np[1];
            double sum = 0;
            double sumSquares = 0;
            int draws = 20_000;
            for (int d = 0; d < draws; d++) {
                int y = Cbpe.binomial(random, n, p);
                assertThat(y).isBetween(0, n);
                sum += y;
                sumSquares += (double) y * y;
            }
            double mean = sum / draws;
            double variance = sumSquares / draws - mean * mean;
            assertThat(mean).isCloseTo(n * p, within(4 * Math.sqrt(n * p * (1 - p) / draws) + 1e-9));
            assertThat(variance).isCloseTo(n * p * (1 - p), within(0.05 * n * p * (1 - p) + 0.02));
        }
    }
}
