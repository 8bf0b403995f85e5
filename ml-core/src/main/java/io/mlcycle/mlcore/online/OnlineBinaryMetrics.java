package io.mlcycle.mlcore.online;

import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Constant-memory accumulator of a binary classifier's online metrics over one window: predictions and their latency,
 * and for labeled outcomes ROC AUC (from score histograms of 1,000 bins per class, ties within a bin count one
 * half), log loss, Brier score (with its second moment, for tests), accuracy, expected calibration error (10 bins,
 * as {@code BinaryMetrics}) and positive rate. Latency quantiles come from a log-scaled histogram (8 buckets per
 * doubling, about 9% resolution) of microseconds. Mutable and not thread-safe; {@link #toBytes()} and
 * {@link #fromBytes(byte[])} store it in a state store.
 */
public final class OnlineBinaryMetrics {
    static final int SCORE_BINS = 1000;
    static final int CALIBRATION_BINS = 10;
    static final int LATENCY_BUCKETS = 8 * 40;
    private static final double CLIP = 1e-15;

    private long predictions;
    private long predictedPositive;
    private long labeled;
    private long positives;
    private long correct;
    private double logLoss;
    private double brier;
    private double brierSquares;
    private final long[] positiveScores = new long[SCORE_BINS];
    private final long[] negativeScores = new long[SCORE_BINS];
    private final long[] calibrationCount = new long[CALIBRATION_BINS];
    private final double[] calibrationScore = new double[CALIBRATION_BINS];
    private final long[] calibrationPositives = new long[CALIBRATION_BINS];
    private final long[] latency = new long[LATENCY_BUCKETS];

    /** One prediction made (labeled or not). */
    public void prediction(boolean decision, long latencyMicros) {
        predictions++;
        predictedPositive += decision ? 1 : 0;
        latency[latencyBucket(latencyMicros)]++;
    }

    /** One outcome for a prediction of score {@code score} that decided {@code decision} (positive or not). */
    public void outcome(double score, boolean positive, boolean decision) {
        double s = Double.isFinite(score) ? Math.max(0, Math.min(1, score)) : 0.5;
        labeled++;
        positives += positive ? 1 : 0;
        correct += decision == positive ? 1 : 0;
        double clipped = Math.min(1 - CLIP, Math.max(CLIP, s));
        logLoss -= positive ? Math.log(clipped) : Math.log(1 - clipped);
        double y = positive ? 1 : 0;
        double b = (s - y) * (s - y);
        brier += b;
        brierSquares += b * b;
        int bin = Math.min(SCORE_BINS - 1, (int) (s * SCORE_BINS));
        (positive ? positiveScores : negativeScores)[bin]++;
        int cal = Math.min(CALIBRATION_BINS - 1, (int) (s * CALIBRATION_BINS));
        calibrationCount[cal]++;
        calibrationScore[cal] += s;
        calibrationPositives[cal] += positive ? 1 : 0;
    }

    public long predictions() {
        return predictions;
    }

    public long labeled() {
        return labeled;
    }

    /** Mean Brier score of the labeled outcomes, NaN without any. */
    public double brier() {
        return labeled == 0 ? Double.NaN : brier / labeled;
    }

    /** Sample variance of the per-outcome Brier scores, NaN with fewer than two. */
    public double brierVariance() {
        if (labeled < 2) {
            return Double.NaN;
        }
        double mean = brier / labeled;
        return Math.max(0, (brierSquares - labeled * mean * mean) / (labeled - 1));
    }

    /** ROC AUC, NaN unless both classes were seen. */
    public double rocAuc() {
        long negatives = labeled - positives;
        if (positives == 0 || negatives == 0) {
            return Double.NaN;
        }
        double wins = 0;
        long negativesBelow = 0;
        for (int bin = 0; bin < SCORE_BINS; bin++) {
            wins += positiveScores[bin] * (negativesBelow + 0.5 * negativeScores[bin]);
            negativesBelow += negativeScores[bin];
        }
        return wins / ((double) positives * negatives);
    }

    /** Latency quantile in milliseconds (upper edge of the bucket), NaN without predictions. */
    public double latencyQuantileMillis(double q) {
        if (predictions == 0) {
            return Double.NaN;
        }
        long rank = (long) Math.ceil(q * predictions);
        long seen = 0;
        for (int i = 0; i < LATENCY_BUCKETS; i++) {
            seen += latency[i];
            if (seen >= Math.max(1, rank)) {
                return bucketUpperMicros(i) / 1000.0;
            }
        }
        return bucketUpperMicros(LATENCY_BUCKETS - 1) / 1000.0;
    }

    /**
     * The metrics by name: {@code roc_auc, log_loss, brier, accuracy, calibration_error, positive_rate} (labeled
     * outcomes; omitted without any), {@code predicted_positive_rate, latency_p50_ms, latency_p99_ms} (predictions).
     */
    public Map<String, Double> metrics() {
        Map<String, Double> out = new LinkedHashMap<>();
        if (labeled > 0) {
            double auc = rocAuc();
            if (!Double.isNaN(auc)) {
                out.put("roc_auc", auc);
            }
            out.put("log_loss", logLoss / labeled);
            out.put("brier", brier / labeled);
            out.put("accuracy", (double) correct / labeled);
            double ece = 0;
            for (int b = 0; b < CALIBRATION_BINS; b++) {
                if (calibrationCount[b] > 0) {
                    ece += (double) calibrationCount[b] / labeled * Math.abs(calibrationScore[b] / calibrationCount[b]
                            - (double) calibrationPositives[b] / calibrationCount[b]);
                }
            }
            out.put("calibration_error", ece);
            out.put("positive_rate", (double) positives / labeled);
        }
        if (predictions > 0) {
            out.put("predicted_positive_rate", (double) predictedPositive / predictions);
            out.put("latency_p50_ms", latencyQuantileMillis(0.50));
            out.put("latency_p99_ms", latencyQuantileMillis(0.99));
        }
        return out;
    }

    static int latencyBucket(long micros) {
        if (micros <= 1) {
            return 0;
        }
        int bucket = (int) Math.ceil(8 * (Math.log(micros) / Math.log(2)));
        return Math.min(LATENCY_BUCKETS - 1, Math.max(0, bucket));
    }

    static double bucketUpperMicros(int bucket) {
        return Math.pow(2, bucket / 8.0);
    }

    public byte[] toBytes() {
        int size = 8 * 8 + 8 * (2 * SCORE_BINS + 3 * CALIBRATION_BINS + LATENCY_BUCKETS);
        ByteBuffer b = ByteBuffer.allocate(size);
        b.putLong(predictions).putLong(predictedPositive).putLong(labeled).putLong(positives).putLong(correct)
                .putDouble(logLoss).putDouble(brier).putDouble(brierSquares);
        // Bulk copies: the online monitor encodes this 17 KB state for every observation it aggregates, and a
        // value-by-value stream of it was its stream thread's top frame under load. Same bytes (big-endian).
        put(b, positiveScores);
        put(b, negativeScores);
        put(b, calibrationCount);
        b.asDoubleBuffer().put(calibrationScore);
        b.position(b.position() + 8 * CALIBRATION_BINS);
        put(b, calibrationPositives);
        put(b, latency);
        return b.array();
    }

    private static void put(ByteBuffer b, long[] values) {
        b.asLongBuffer().put(values);
        b.position(b.position() + 8 * values.length);
    }

    public static OnlineBinaryMetrics fromBytes(byte[] bytes) {
        OnlineBinaryMetrics m = new OnlineBinaryMetrics();
        m.readFrom(bytes);
        return m;
    }

    /**
     * Replaces this accumulator's whole state with the one {@link #toBytes()} wrote, or with an empty window when
     * {@code bytes} is null: lets a caller that decodes a state per record reuse one instance (17 KB of arrays)
     * instead of allocating it every time.
     */
    public void readFrom(byte[] bytes) {
        if (bytes == null) {
            predictions = 0;
            predictedPositive = 0;
            labeled = 0;
            positives = 0;
            correct = 0;
            logLoss = 0;
            brier = 0;
            brierSquares = 0;
            java.util.Arrays.fill(positiveScores, 0);
            java.util.Arrays.fill(negativeScores, 0);
            java.util.Arrays.fill(calibrationCount, 0);
            java.util.Arrays.fill(calibrationScore, 0);
            java.util.Arrays.fill(calibrationPositives, 0);
            java.util.Arrays.fill(latency, 0);
            return;
        }
        ByteBuffer b = ByteBuffer.wrap(bytes);
        predictions = b.getLong();
        predictedPositive = b.getLong();
        labeled = b.getLong();
        positives = b.getLong();
        correct = b.getLong();
        logLoss = b.getDouble();
        brier = b.getDouble();
        brierSquares = b.getDouble();
        fill(b, positiveScores);
        fill(b, negativeScores);
        fill(b, calibrationCount);
        b.asDoubleBuffer().get(calibrationScore);
        b.position(b.position() + 8 * CALIBRATION_BINS);
        fill(b, calibrationPositives);
        fill(b, latency);
    }

    private static void fill(ByteBuffer b, long[] target) {
        b.asLongBuffer().get(target);
        b.position(b.position() + 8 * target.length);
    }
}
