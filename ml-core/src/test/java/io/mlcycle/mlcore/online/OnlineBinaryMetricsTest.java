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
    void keepsTheStoredLayoutSoStateWrittenBeforeStaysReadable() {
        OnlineBinaryMetrics metrics = new OnlineBinaryMetrics();
        metrics.prediction(true, 2000);
        metrics.outcome(0.8, true, true);
        metrics.outcome(0.3, false, false);

        byte[] bytes = metrics.toBytes();

        // big-endian: 8 header fields, then positive and negative score bins, calibration count, score, positives,
        // latency buckets
        ByteBuffer b = ByteBuffer.wrap(bytes);
        int bins = OnlineBinaryMetrics.SCORE_BINS;
        int cal = OnlineBinaryMetrics.CALIBRATION_BINS;
        assertThat(bytes).hasSize(8 * (8 + 2 * bins + 3 * cal + OnlineBinaryMetrics.LATENCY_BUCKETS));
        assertThat(b.getLong(0)).isEqualTo(1);
        assertThat(b.getLong(16)).isEqualTo(2);
        assertThat(b.getLong(64 + 8 * 800)).isEqualTo(1);
        assertThat(b.getLong(64 + 8 * (bins + 300))).isEqualTo(1);
        assertThat(b.getLong(64 + 8 * (2 * bins + 8))).isEqualTo(1);
        assertThat(b.getDouble(64 + 8 * (2 * bins + cal + 8))).isEqualTo(0.8);
        assertThat(b.getLong(64 + 8 * (2 * bins + 2 * cal + 8))).isEqualTo(1);
        long latencyTotal = 0;
        for (int i = 0; i < OnlineBinaryMetrics.LATENCY_BUCKETS; i++) {
            latencyTotal += b.getLong(64 + 8 * (2 * bins + 3 * cal + i));
        }
        assertThat(latencyTotal).isEqualTo(1);
        assertThat(OnlineBinaryMetrics.fromBytes(bytes).toBytes()).isEqualTo(bytes);
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
