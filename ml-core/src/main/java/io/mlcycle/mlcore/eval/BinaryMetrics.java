package io.mlcycle.mlcore.eval;

import io.mlcycle.mlcore.spec.ObjectiveMetric;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * Offline metrics of a binary classifier's scores (probabilities of the positive class).
 *
 * @param rocAuc                   area under the ROC curve (Mann-Whitney, ties count one half); NaN with one class
 * @param prAuc                    area under the precision-recall curve as average precision; NaN without positives
 * @param logLoss                  mean negative log-likelihood (scores clipped to [1e-15, 1 - 1e-15])
 * @param brier                    mean squared error of the scores
 * @param accuracy                 fraction correct when predicting positive for score >= threshold
 * @param expectedCalibrationError 10 equal-width bins over [0, 1]: sum over bins of (bin size / n) * |mean score -
 *                                 positive rate|
 * @param positiveRate             fraction of positive labels (prevalence)
 * @param n                        number of examples
 */
public record BinaryMetrics(double rocAuc, double prAuc, double logLoss, double brier, double accuracy,
                            double expectedCalibrationError, double positiveRate, long n) {

    private static final double CLIP = 1e-15;
    private static final int CALIBRATION_BINS = 10;

    public static BinaryMetrics compute(boolean[] labels, double[] scores, double threshold) {
        Ranks.checkInputs(labels, scores);
        int n = labels.length;
        if (n == 0) {
            throw new IllegalArgumentException("no examples to evaluate");
        }
        long positives = 0;
        double logLoss = 0;
        double brier = 0;
        long correct = 0;
        double[] binScore = new double[CALIBRATION_BINS];
        double[] binPositives = new double[CALIBRATION_BINS];
        long[] binCount = new long[CALIBRATION_BINS];
        for (int i = 0; i < n; i++) {
            double s = scores[i];
            double y = labels[i] ? 1 : 0;
            positives += labels[i] ? 1 : 0;
            double clipped = Math.min(1 - CLIP, Math.max(CLIP, s));
            logLoss -= labels[i] ? Math.log(clipped) : Math.log(1 - clipped);
            brier += (s - y) * (s - y);
            if ((s >= threshold) == labels[i]) {
                correct++;
            }
            int bin = Math.min(CALIBRATION_BINS - 1, Math.max(0, (int) (s * CALIBRATION_BINS)));
            binScore[bin] += s;
            binPositives[bin] += y;
            binCount[bin]++;
        }
        double ece = 0;
        for (int b = 0; b < CALIBRATION_BINS; b++) {
            if (binCount[b] > 0) {
                ece += (double) binCount[b] / n * Math.abs(binScore[b] / binCount[b] - binPositives[b] / binCount[b]);
            }
        }
        return new BinaryMetrics(rocAuc(labels, scores), averagePrecision(labels, scores), logLoss / n, brier / n,
                (double) correct / n, ece, (double) positives / n, n);
    }

    /** ROC AUC by mid-ranks; NaN when one class is absent. */
    public static double rocAuc(boolean[] labels, double[] scores) {
        Ranks.checkInputs(labels, scores);
        double[] ranks = Ranks.midranks(scores);
        long m = 0;
        double rankSum = 0;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i]) {
                m++;
                rankSum += ranks[i];
            }
        }
        long negatives = labels.length - m;
        if (m == 0 || negatives == 0) {
            return Double.NaN;
        }
        return (rankSum - m * (m + 1) / 2.0) / ((double) m * negatives);
    }

    /** Average precision: sum over distinct thresholds (descending) of recall gained times precision there. */
    static double averagePrecision(boolean[] labels, double[] scores) {
        int n = labels.length;
        Integer[] order = IntStream.range(0, n).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble((Integer i) -> scores[i]).reversed());
        long totalPositives = 0;
        for (boolean label : labels) {
            totalPositives += label ? 1 : 0;
        }
        if (totalPositives == 0) {
            return Double.NaN;
        }
        double ap = 0;
        long truePositives = 0;
        long seen = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j < n && scores[order[j]] == scores[order[i]]) {
                truePositives += labels[order[j]] ? 1 : 0;
                seen++;
                j++;
            }
            long gained = 0;
            for (int k = i; k < j; k++) {
                gained += labels[order[k]] ? 1 : 0;
            }
            if (gained > 0) {
                ap += ((double) gained / totalPositives) * ((double) truePositives / seen);
            }
            i = j;
        }
        return ap;
    }

    /** The value of the given objective metric. */
    public double value(ObjectiveMetric metric) {
        return switch (metric) {
            case ROC_AUC -> rocAuc;
            case PR_AUC -> prAuc;
            case LOG_LOSS -> logLoss;
            case BRIER -> brier;
        };
    }

    /** snake_case keys: roc_auc, pr_auc, log_loss, brier, accuracy, ece, positive_rate, n (in this order). */
    public Map<String, Double> toMap() {
        Map<String, Double> map = new LinkedHashMap<>();
        map.put("roc_auc", rocAuc);
        map.put("pr_auc", prAuc);
        map.put("log_loss", logLoss);
        map.put("brier", brier);
        map.put("accuracy", accuracy);
        map.put("ece", expectedCalibrationError);
        map.put("positive_rate", positiveRate);
        map.put("n", (double) n);
        return map;
    }
}
