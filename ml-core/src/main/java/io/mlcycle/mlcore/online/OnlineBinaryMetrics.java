package io.mlcycle.mlcore.online;

import java.nio.ByteBuffer;
import java.util.Arrays;
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

    /**
     * The state in its stored form: a format byte ({@link #SPARSE}), the five counts as unsigned varints, the three
     * sums as 8-byte doubles, then each histogram as its number of non-zero bins and, per such bin, the gap from the
     * previous one and the count (varints); the calibration score sums as doubles, all of them. Most bins of a
     * window are empty (before any outcome all 2,000 score bins are), so an entry is a few hundred bytes, a few KB once
     * outcomes fill the score bins, where the fixed layout before was 18,864 whatever it held. Readers older than this
     * format cannot read it: rolling serving back needs its online-metrics store reset.
     * {@link #readFrom(byte[])} reads both.
     */
    public byte[] toBytes() {
        byte[] out = encodeBuffer;
        if (out == null) {
            out = new byte[MAX_SPARSE_BYTES];
            encodeBuffer = out;
        }
        int at = 0;
        out[at++] = SPARSE;
        at = putVarint(out, at, predictions);
        at = putVarint(out, at, predictedPositive);
        at = putVarint(out, at, labeled);
        at = putVarint(out, at, positives);
        at = putVarint(out, at, correct);
        at = putDouble(out, at, logLoss);
        at = putDouble(out, at, brier);
        at = putDouble(out, at, brierSquares);
        at = putSparse(out, at, positiveScores);
        at = putSparse(out, at, negativeScores);
        at = putSparse(out, at, calibrationCount);
        for (double score : calibrationScore) {
            at = putDouble(out, at, score);
        }
        at = putSparse(out, at, calibrationPositives);
        at = putSparse(out, at, latency);
        return Arrays.copyOf(out, at);
    }

    /** First byte of the sparse form; the fixed form began with the high byte of a count, always 0. */
    static final byte SPARSE = (byte) 0x81;
    /** The fixed big-endian layout stored before the sparse form. */
    static final int FIXED_BYTES = 8 * (8 + 2 * SCORE_BINS + 3 * CALIBRATION_BINS + LATENCY_BUCKETS);
    /** Largest sparse form: every bin non-zero, each gap and count at their longest. */
    private static final int MAX_SPARSE_BYTES = 1 + 5 * 10 + 3 * 8 + 5 * 10
            + (2 * SCORE_BINS + 2 * CALIBRATION_BINS + LATENCY_BUCKETS) * (5 + 10) + 8 * CALIBRATION_BINS;
    /** Reused by {@link #toBytes()}: the caller gets an exact-size copy. */
    private byte[] encodeBuffer;

    private static int putSparse(byte[] out, int at, long[] values) {
        int nonZero = 0;
        for (long value : values) {
            if (value != 0) {
                nonZero++;
            }
        }
        at = putVarint(out, at, nonZero);
        int previous = -1;
        for (int i = 0; i < values.length; i++) {
            if (values[i] != 0) {
                at = putVarint(out, at, i - previous);
                at = putVarint(out, at, values[i]);
                previous = i;
            }
        }
        return at;
    }

    private static int putVarint(byte[] out, int at, long value) {
        while ((value & ~0x7FL) != 0) {
            out[at++] = (byte) ((value & 0x7F) | 0x80);
            value >>>= 7;
        }
        out[at++] = (byte) value;
        return at;
    }

    private static int putDouble(byte[] out, int at, double value) {
        long bits = Double.doubleToRawLongBits(value);
        for (int shift = 56; shift >= 0; shift -= 8) {
            out[at++] = (byte) (bits >>> shift);
        }
        return at;
    }

    /** Reads the sparse form; {@code at} is a one-element cursor into {@code in}. */
    private void readSparse(byte[] in) {
        int[] at = {1};
        predictions = varint(in, at);
        predictedPositive = varint(in, at);
        labeled = varint(in, at);
        positives = varint(in, at);
        correct = varint(in, at);
        logLoss = readDouble(in, at);
        brier = readDouble(in, at);
        brierSquares = readDouble(in, at);
        sparse(in, at, positiveScores);
        sparse(in, at, negativeScores);
        sparse(in, at, calibrationCount);
        for (int i = 0; i < CALIBRATION_BINS; i++) {
            calibrationScore[i] = readDouble(in, at);
        }
        sparse(in, at, calibrationPositives);
        sparse(in, at, latency);
        if (at[0] != in.length) {
            throw new IllegalArgumentException("online metrics state: " + (in.length - at[0]) + " bytes left over");
        }
    }

    private static void sparse(byte[] in, int[] at, long[] target) {
        Arrays.fill(target, 0);
        long nonZero = varint(in, at);
        int index = -1;
        for (long k = 0; k < nonZero; k++) {
            index += (int) varint(in, at);
            if (index < 0 || index >= target.length) {
                throw new IllegalArgumentException("online metrics state: bin " + index + " out of range");
            }
            target[index] = varint(in, at);
        }
    }

    private static long varint(byte[] in, int[] at) {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in[at[0]++];
            value |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new IllegalArgumentException("online metrics state: varint too long");
    }

    private static double readDouble(byte[] in, int[] at) {
        long bits = 0;
        for (int i = 0; i < 8; i++) {
            bits = bits << 8 | (in[at[0]++] & 0xFF);
        }
        return Double.longBitsToDouble(bits);
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
            Arrays.fill(positiveScores, 0);
            Arrays.fill(negativeScores, 0);
            Arrays.fill(calibrationCount, 0);
            Arrays.fill(calibrationScore, 0);
            Arrays.fill(calibrationPositives, 0);
            Arrays.fill(latency, 0);
            return;
        }
        if (bytes.length > 0 && bytes[0] == SPARSE) {
            readSparse(bytes);
            return;
        }
        if (bytes.length != FIXED_BYTES) {
            throw new IllegalArgumentException("online metrics state: " + bytes.length + " bytes, neither form");
        }
        // The fixed form, as stored before the sparse one.
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
