package io.mlcycle.mlcore.online;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.data.Offset.offset;

import io.mlcycle.mlcore.eval.BinaryMetrics;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class OnlineBinaryMetricsTest {

    @Test
    void agreesWithTheOfflineMetricsOnTheSameOutcomes() {
        SplittableRandom random = new SplittableRandom(3L);
        int n = 5000;
        boolean[] labels = new boolean[n];
        double[] scores = new double[n];
        OnlineBinaryMetrics online = new OnlineBinaryMetrics();
        for (int i = 0; i < n; i++) {
            labels[i] = random.nextDouble() < 0.4;
            scores[i] = Math.max(0, Math.min(1, (labels[i] ? 0.6 : 0.4) + 0.5 * (random.nextDouble() - 0.5)));
            online.prediction(scores[i] >= 0.5, 100 + i % 50);
            online.outcome(scores[i], labels[i], scores[i] >= 0.5);
        }
        BinaryMetrics offline = BinaryMetrics.compute(labels, scores, 0.5);

        Map<String, Double> metrics = online.metrics();
        assertThat(metrics.get("roc_auc")).isCloseTo(offline.rocAuc(), offset(1e-3));
        assertThat(metrics.get("log_loss")).isCloseTo(offline.logLoss(), offset(1e-9));
        assertThat(metrics.get("brier")).isCloseTo(offline.brier(), offset(1e-9));
        assertThat(metrics.get("accuracy")).isCloseTo(offline.accuracy(), offset(1e-12));
        assertThat(metrics.get("calibration_error")).isCloseTo(offline.expectedCalibrationError(), offset(1e-9));
        assertThat(metrics.get("positive_rate")).isCloseTo(offline.positiveRate(), offset(1e-12));
        assertThat(metrics.get("latency_p50_ms")).isBetween(0.100, 0.150);
        assertThat(metrics.get("latency_p99_ms")).isBetween(0.140, 0.170);
        assertThat(online.labeled()).isEqualTo(n);
    }

    @Test
    void roundTripsThroughBytesAndOmitsLabelMetricsWithoutOutcomes() {
        OnlineBinaryMetrics metrics = new OnlineBinaryMetrics();
        metrics.prediction(true, 2000);
        assertThat(metrics.metrics()).containsOnlyKeys("predicted_positive_rate", "latency_p50_ms", "latency_p99_ms");
        metrics.outcome(0.8, true, true);
        metrics.outcome(0.3, false, false);

        OnlineBinaryMetrics back = OnlineBinaryMetrics.fromBytes(metrics.toBytes());

        assertThat(back.metrics()).isEqualTo(metrics.metrics());
        assertThat(back.metrics().get("roc_auc")).isEqualTo(1.0);
    }

    @Test
    void readsTheFixedLayoutStoredBeforeTheSparseForm() {
        // As the fixed form was written: big-endian, 8 header fields, positive and negative score bins, calibration
        // count, score, positives, latency buckets.
        int bins = OnlineBinaryMetrics.SCORE_BINS;
        int cal = OnlineBinaryMetrics.CALIBRATION_BINS;
        ByteBuffer b = ByteBuffer.allocate(OnlineBinaryMetrics.FIXED_BYTES);
        double brier1 = (0.8 - 1) * (0.8 - 1);
        double brier2 = 0.3 * 0.3;
        b.putLong(1).putLong(1).putLong(2).putLong(1).putLong(2).putDouble(-Math.log(0.8) - Math.log(1 - 0.3))
                .putDouble(brier1 + brier2).putDouble(brier1 * brier1 + brier2 * brier2);
        b.putLong(64 + 8 * 800, 1);
        b.putLong(64 + 8 * (bins + 300), 1);
        b.putLong(64 + 8 * (2 * bins + 3), 1);
        b.putLong(64 + 8 * (2 * bins + 8), 1);
        b.putDouble(64 + 8 * (2 * bins + cal + 3), 0.3);
        b.putDouble(64 + 8 * (2 * bins + cal + 8), 0.8);
        b.putLong(64 + 8 * (2 * bins + 2 * cal + 8), 1);
        b.putLong(64 + 8 * (2 * bins + 3 * cal + OnlineBinaryMetrics.latencyBucket(2000)), 1);
        OnlineBinaryMetrics expected = new OnlineBinaryMetrics();
        expected.prediction(true, 2000);
        expected.outcome(0.8, true, true);
        expected.outcome(0.3, false, false);

        OnlineBinaryMetrics read = OnlineBinaryMetrics.fromBytes(b.array());

        assertThat(read.metrics()).isEqualTo(expected.metrics());
        assertThat(read.toBytes()).isEqualTo(expected.toBytes());
    }

    @Test
    void storesOnlyTheNonEmptyBins() {
        OnlineBinaryMetrics metrics = new OnlineBinaryMetrics();
        for (int i = 0; i < 1000; i++) {
            metrics.prediction(i % 3 == 0, 200 + i);
        }
        byte[] predictionsOnly = metrics.toBytes();
        SplittableRandom random = new SplittableRandom(5L);
        for (int i = 0; i < 20_000; i++) {
            double score = random.nextDouble();
            metrics.outcome(score, random.nextDouble() < score, score >= 0.5);
        }

        byte[] full = metrics.toBytes();

        assertThat(predictionsOnly).hasSizeLessThan(200);
        assertThat(full).hasSizeLessThan(OnlineBinaryMetrics.FIXED_BYTES / 2);
        OnlineBinaryMetrics back = OnlineBinaryMetrics.fromBytes(full);
        assertThat(back.metrics()).isEqualTo(metrics.metrics());
        assertThat(back.toBytes()).isEqualTo(full);
    }

    @Test
    void readsAStateIntoAReusedInstanceAndClearsItWithoutOne() {
        OnlineBinaryMetrics first = new OnlineBinaryMetrics();
        first.prediction(true, 2000);
        first.outcome(0.8, true, true);
        OnlineBinaryMetrics second = new OnlineBinaryMetrics();
        second.prediction(false, 100);
        second.outcome(0.3, false, false);
        second.outcome(0.6, true, true);
        OnlineBinaryMetrics reused = new OnlineBinaryMetrics();

        reused.readFrom(first.toBytes());
        reused.readFrom(second.toBytes());
        assertThat(reused.toBytes()).isEqualTo(second.toBytes());

        reused.readFrom(null);
        assertThat(reused.toBytes()).isEqualTo(new OnlineBinaryMetrics().toBytes());
    }
}
