package io.mlcycle.mlcore.monitoring;

import io.mlcycle.mlcore.eval.BinaryMetrics;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Estimated against realised performance of one window of predictions, as outcomes arrive. The estimate for the
 * whole window comes from the scores alone; the comparison uses the predictions whose outcome is known, estimating
 * them the same way, so both sides cover the same events. A realised metric outside the estimate's interval on those
 * events is a divergence: more than the calibration's own error and the outcomes' chance can explain (the interval
 * covers both), so the scores are no longer calibrated for this data, i.e. P(label | features) changed.
 *
 * @param predictions     predictions in the window
 * @param labeled         of which have an outcome
 * @param window          the estimate over all predictions of the window
 * @param labeledEstimate the estimate over the labeled predictions only
 * @param realisedAccuracy accuracy realised on the labeled predictions (NaN when none)
 * @param realisedRocAuc  ROC AUC realised on the labeled predictions (NaN when undefined)
 * @param diverged        the realised accuracy or ROC AUC lies outside the labeled estimate's interval: a test for one
 *                        look; a monitor that looks again as outcomes arrive decides with {@link DivergenceTest}
 *                        instead ({@link #decidedBy})
 */
public record Reconciliation(long predictions, long labeled, PerformanceEstimate window,
                             PerformanceEstimate labeledEstimate, double realisedAccuracy, double realisedRocAuc,
                             boolean diverged) {

    /** Fewer labeled predictions than this and no divergence is called: the interval is too wide to mean much. */
    public static final int MIN_LABELED = 30;

    /** Share of the window's predictions whose outcome is known. */
    public double labelCoverage() {
        return predictions == 0 ? 0 : (double) labeled / predictions;
    }

    /**
     * Reconciles one window.
     *
     * @param scores    raw scores of the window's predictions
     * @param outcomes  the outcome of each prediction, null when not known yet
     * @param threshold the decision threshold the model used
     */
    public static Reconciliation of(Cbpe cbpe, Calibration calibration, double[] scores, Boolean[] outcomes,
                                    double threshold) {
        if (scores.length != outcomes.length) {
            throw new IllegalArgumentException("scores and outcomes differ in length");
        }
        int labeled = 0;
        for (Boolean outcome : outcomes) {
            labeled += outcome == null ? 0 : 1;
        }
        double[] labeledScores = new double[labeled];
        boolean[] labels = new boolean[labeled];
        int k = 0;
        for (int i = 0; i < scores.length; i++) {
            if (outcomes[i] != null) {
                labeledScores[k] = scores[i];
                labels[k++] = outcomes[i];
            }
        }
        PerformanceEstimate window = cbpe.estimate(scores, calibration);
        PerformanceEstimate onLabeled = cbpe.estimate(labeledScores, calibration);
        double accuracy = Double.NaN;
        double auc = Double.NaN;
        if (labeled > 0) {
            long correct = 0;
            for (int i = 0; i < labeled; i++) {
                correct += (labeledScores[i] >= threshold) == labels[i] ? 1 : 0;
            }
            accuracy = (double) correct / labeled;
            auc = BinaryMetrics.rocAuc(labels, labeledScores);
        }
        boolean diverged = labeled >= MIN_LABELED
                && (!onLabeled.accuracyConsistent(accuracy) || !onLabeled.rocAucConsistent(auc));
        return new Reconciliation(scores.length, labeled, window, onLabeled, accuracy, auc, diverged);
    }

    /**
     * Reconciles one window from its binned scores and outcomes ({@link ScoreBins}): the same figures as
     * {@link #of(Cbpe, Calibration, double[], Boolean[], double)} within the bins' approximation (exact realised
     * accuracy; ROC AUCs with a bin's scores as ties), at a cost independent of the number of predictions.
     * {@code cbpe} decides at the bins' threshold.
     */
    public static Reconciliation of(Cbpe cbpe, Calibration calibration, ScoreBins bins) {
        PerformanceEstimate window = cbpe.estimate(bins, false, calibration);
        PerformanceEstimate onLabeled = cbpe.estimate(bins, true, calibration);
        double accuracy = bins.realisedAccuracy();
        double auc = bins.labeled() > 0 ? bins.realisedRocAuc() : Double.NaN;
        boolean diverged = bins.labeled() >= MIN_LABELED
                && (!onLabeled.accuracyConsistent(accuracy) || !onLabeled.rocAucConsistent(auc));
        return new Reconciliation(bins.predictions(), bins.labeled(), window, onLabeled, accuracy, auc, diverged);
    }

    /**
     * The same figures with the divergence decided by a sequential test (valid however often it is looked at) rather
     * than by the interval, which is valid for one look only.
     */
    public Reconciliation decidedBy(boolean sequentialDivergence) {
        return new Reconciliation(predictions, labeled, window, labeledEstimate, realisedAccuracy, realisedRocAuc,
                sequentialDivergence);
    }

    /** As metric entries for {@code OnlineMetrics.metrics}. */
    public Map<String, Double> toMetrics() {
        Map<String, Double> map = new LinkedHashMap<>(window.toMetrics());
        map.put("label_coverage", labelCoverage());
        if (labeled > 0) {
            map.put("realised_accuracy", realisedAccuracy);
            map.put("estimated_accuracy_on_labeled", labeledEstimate.accuracy());
            if (!Double.isNaN(realisedRocAuc)) {
                map.put("realised_roc_auc", realisedRocAuc);
            }
        }
        map.put("estimate_diverged", diverged ? 1.0 : 0.0);
        return map;
    }
}
