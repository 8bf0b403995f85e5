package io.mlcycle.mlcore.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The online-truth divergence decision under continuous monitoring: simulated windows whose outcomes arrive one by one
 * and are looked at after every outcome, in the style of the canary's A/A test ({@code SequentialPairedTestTest}).
 */
class DivergenceTestTest {
    private static final double LEVEL = 0.95;
    private static final double ALPHA = 1 - LEVEL;
    private static final int RUNS = 400;
    private static final int LOOKS = 2000;
    /** A fit's error of the size a holdout of a few hundred outcomes gives. */
    private static final Calibration FITTED = new Calibration(1, 0, 0.02, 0.015, 0.002);

    /** How the outcome's true probability follows from the logit z of the logged score. */
    private interface Truth {
        double probability(double z);
    }

    /** The outcome at which the test first rejects, looking after every outcome; -1 when it never does. */
    private static long firstRejection(SplittableRandom random, Calibration calibration, Truth truth) {
        DivergenceTest test = DivergenceTest.START;
        for (int i = 0; i < LOOKS; i++) {
            double z = 3 * (random.nextDouble() * 2 - 1);
            double score = 1 / (1 + Math.exp(-z));
            boolean outcome = random.nextDouble() < truth.probability(z);
            test = test.update(score, score >= 0.5, outcome, calibration, LEVEL);
            if (test.rejects(ALPHA)) {
                assertThat(test.rejectedAt()).isEqualTo(test.outcomes());
                return test.outcomes();
            }
        }
        assertThat(test.rejectedAt()).isZero();
        return -1;
    }

    private static double rejectionRate(long seed, Calibration calibration, Truth truth) {
        SplittableRandom random = new SplittableRandom(seed);
        int rejected = 0;
        for (int run = 0; run < RUNS; run++) {
            if (firstRejection(random.split(), calibration, truth) >= 0) {
                rejected++;
            }
        }
        return (double) rejected / RUNS;
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void falseAlarmRateOnCalibratedOutcomesStaysAtOrBelowAlphaDespiteLookingAfterEveryOutcome() {
        assertThat(rejectionRate(20_261_202L, Calibration.IDENTITY, DivergenceTestTest::sigmoid))
                .as("false divergence alarms in %d calibrated windows of %d looks", RUNS, LOOKS)
                .isLessThanOrEqualTo(ALPHA);
    }

    /**
     * The rule it replaces, on the same kind of data: the realised accuracy or ROC AUC outside the estimate's 95 %
     * interval, checked at every emission (here every 30 outcomes, from 30 on, ten looks), alarms far more often than
     * 5 % of the time.
     */
    @Test
    void theIntervalCheckedAtEveryEmissionAlarmsFarMoreOftenThanItsLevel() {
        SplittableRandom random = new SplittableRandom(5);
        Cbpe cbpe = new Cbpe(0.5, LEVEL, 200, 42);
        int runs = 100;
        int alarmed = 0;
        for (int run = 0; run < runs; run++) {
            double[] scores = new double[300];
            Boolean[] outcomes = new Boolean[300];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = sigmoid(3 * (random.nextDouble() * 2 - 1));
                outcomes[i] = random.nextDouble() < scores[i];
            }
            for (int labeled = 30; labeled <= scores.length; labeled += 30) {
                Boolean[] known = new Boolean[scores.length];
                System.arraycopy(outcomes, 0, known, 0, labeled);
                if (Reconciliation.of(cbpe, Calibration.IDENTITY, scores, known, 0.5).diverged()) {
                    alarmed++;
                    break;
                }
            }
        }
        assertThat((double) alarmed / runs).isGreaterThan(2 * ALPHA);
    }

    /**
     * With a fitted calibration, outcomes drawn from a calibration at the edge of what the fit allows (the intercept
     * off by 2.4 of its standard errors) are no divergence: the fit's error is part of the null hypothesis. Taking the
     * fit as exact would call them diverged in most windows.
     */
    @Test
    void theCalibrationsOwnErrorIsNotCalledADivergence() {
        double shift = 2.4 * Math.sqrt(FITTED.varB());
        Truth edge = z -> sigmoid(z + shift);

        assertThat(rejectionRate(31, FITTED, edge)).isLessThanOrEqualTo(ALPHA);
        assertThat(rejectionRate(31, FITTED.exact(), edge)).isGreaterThan(0.5);
    }

    @Test
    void aFlattenedRelationIsDetectedWithAnExactAndWithAFittedCalibration() {
        Truth flattened = z -> sigmoid(0.3 * z);

        assertThat(rejectionRate(41, Calibration.IDENTITY, flattened)).isGreaterThanOrEqualTo(0.99);
        assertThat(rejectionRate(43, FITTED, flattened)).isGreaterThanOrEqualTo(0.95);
        long at = firstRejection(new SplittableRandom(47), Calibration.IDENTITY, flattened);
        assertThat(at).isBetween(30L, 400L);
    }

    @Test
    void moreDefaultsThanScoredAreDetectedByTheOutcomeResidualAndNamed() {
        Truth moreDefaults = z -> sigmoid(z + 1);
        SplittableRandom random = new SplittableRandom(53);
        DivergenceTest test = DivergenceTest.START;
        for (int i = 0; i < LOOKS && !test.rejects(ALPHA); i++) {
            double z = 3 * (random.nextDouble() * 2 - 1);
            double score = sigmoid(z);
            test = test.update(score, score >= 0.5, random.nextDouble() < moreDefaults.probability(z),
                    Calibration.IDENTITY, LEVEL);
        }
        assertThat(test.rejects(ALPHA)).isTrue();
        assertThat(test.pValue()).isLessThanOrEqualTo(ALPHA);
        assertThat(test.finding(ALPHA)).contains("more positive outcomes than the calibrated scores say");
    }

    @Test
    void aFirstRejectionIsKeptAsMoreOutcomesArrive() {
        DivergenceTest test = DivergenceTest.START;
        for (int i = 0; i < 60; i++) { // confident and always wrong
            test = test.update(0.95, true, false, Calibration.IDENTITY, LEVEL);
        }
        long at = test.rejectedAt();
        assertThat(at).isPositive();
        for (int i = 0; i < 500; i++) { // then exactly as the scores say on average
            test = test.update(0.5, true, i % 2 == 0, Calibration.IDENTITY, LEVEL);
        }
        assertThat(test.rejects(ALPHA)).isTrue();
        assertThat(test.rejectedAt()).isEqualTo(at);
    }

    @Test
    void theMarginIsZeroForAnExactCalibrationAndGrowsWithTheFitsError() {
        assertThat(Calibration.IDENTITY.errorMargin(0.7, LEVEL)).isZero();
        double near = FITTED.errorMargin(0.5, LEVEL);
        double far = FITTED.errorMargin(0.98, LEVEL);
        // at score 0.5 the logit is 0: only the intercept's error, 2.45 standard errors of it
        assertThat(near).isCloseTo(sigmoid(Math.sqrt(-2 * Math.log(0.05)) * Math.sqrt(0.015)) - 0.5,
                org.assertj.core.api.Assertions.within(1e-12));
        assertThat(new Calibration(1, 0, 0.08, 0.06, 0.008).errorMargin(0.5, LEVEL)).isGreaterThan(near);
        assertThat(far).isPositive();
    }
}
