package io.mlcycle.mlcore.monitoring;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Performance of a model over a set of predictions, estimated from its calibrated scores alone ({@link Cbpe}).
 * The interval is where the realised metric falls with the stated probability if P(label | features) has not changed
 * since calibration: it covers both the error of the calibration fitted on a finite holdout and the chance in the
 * outcomes given calibrated scores.
 *
 * @param predictions       predictions the estimate covers
 * @param accuracy          expected accuracy at the decision threshold
 * @param accuracyLow       lower end of the accuracy interval
 * @param accuracyHigh      upper end of the accuracy interval
 * @param rocAuc            expected ROC AUC (NaN with fewer than two predictions)
 * @param rocAucLow         lower end of the ROC AUC interval
 * @param rocAucHigh        upper end of the ROC AUC interval
 * @param expectedPositives expected share of positive outcomes
 * @param level             the interval's probability, e.g. 0.95
 */
public record PerformanceEstimate(long predictions, double accuracy, double accuracyLow, double accuracyHigh,
                                  double rocAuc, double rocAucLow, double rocAucHigh, double expectedPositives,
                                  double level) {

    /** Whether a realised accuracy lies within the interval. */
    public boolean accuracyConsistent(double realised) {
        return realised >= accuracyLow && realised <= accuracyHigh;
    }

    /** Whether a realised ROC AUC lies within the interval (always true when either is undefined). */
    public boolean rocAucConsistent(double realised) {
        return Double.isNaN(realised) || Double.isNaN(rocAuc) || (realised >= rocAucLow && realised <= rocAucHigh);
    }

    /** As metric entries, e.g. for {@code OnlineMetrics.metrics}: {@code estimated_accuracy}, ... */
    public Map<String, Double> toMetrics() {
        Map<String, Double> map = new LinkedHashMap<>();
        map.put("estimated_accuracy", accuracy);
        map.put("estimated_accuracy_low", accuracyLow);
        map.put("estimated_accuracy_high", accuracyHigh);
        if (!Double.isNaN(rocAuc)) {
            map.put("estimated_roc_auc", rocAuc);
            map.put("estimated_roc_auc_low", rocAucLow);
            map.put("estimated_roc_auc_high", rocAucHigh);
        }
        map.put("estimated_positive_rate", expectedPositives);
        return map;
    }
}
