package io.mlcycle.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Variant;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TruthSeriesTest {

    static final Instant START = Instant.parse("2026-01-01T10:00:00Z");
    static final Duration WINDOW = Duration.ofSeconds(15);

    static OnlineMetrics truth(int windowIndex, String version, int partition, long predictions, long labeled,
                               double estimated, double halfWidth, Double realised, boolean diverged,
                               int emittedSecond) {
        Map<String, Double> metrics = new LinkedHashMap<>();
        metrics.put("estimated_accuracy", estimated);
        metrics.put("estimated_accuracy_low", estimated - halfWidth);
        metrics.put("estimated_accuracy_high", estimated + halfWidth);
        metrics.put("label_coverage", (double) labeled / predictions);
        if (realised != null) {
            metrics.put("realised_accuracy", realised);
        }
        metrics.put("estimate_diverged", diverged ? 1.0 : 0.0);
        Instant windowStart = START.plus(WINDOW.multipliedBy(windowIndex));
        return OnlineMetrics.newBuilder().setPipeline("credit").setModelVersion(version).setVariant(Variant.CHAMPION)
                .setWindowStart(windowStart).setWindowEnd(windowStart.plus(WINDOW)).setPredictions(predictions)
                .setLabeled(labeled).setMetrics(metrics).setEmittedAt(START.plusSeconds(emittedSecond))
                .setTaskPartition(partition).build();
    }

    @Test
    void combinesTheWindowsPartsAndRemembersThatTheEstimateCameBeforeTheOutcomes() {
        TruthSeries series = new TruthSeries();
        // window 0, two parts: first only estimates (no outcome yet), then the realised accuracy
        series.add(truth(0, "credit-v1", 0, 300, 0, 0.90, 0.03, null, false, 12));
        series.add(truth(0, "credit-v1", 1, 100, 0, 0.80, 0.04, null, false, 12));
        series.add(truth(0, "credit-v1", 0, 300, 20, 0.90, 0.03, 0.85, false, 14));
        series.add(truth(0, "credit-v1", 0, 300, 290, 0.90, 0.03, 0.88, false, 22));
        series.add(truth(0, "credit-v1", 1, 100, 90, 0.80, 0.04, 0.84, false, 22));
        // after the drift point: the estimate drops at once, the outcomes say the same later and diverge
        series.add(truth(1, "credit-v1", 0, 400, 0, 0.70, 0.03, null, false, 27));
        series.add(truth(1, "credit-v1", 0, 400, 380, 0.70, 0.03, 0.55, true, 37));
        // not truth records: the online monitor's (no estimate) and a shadow's
        OnlineMetrics monitor = OnlineMetrics.newBuilder(truth(1, "credit-v1", 2, 5, 5, 0, 0, 1.0, false, 30))
                .setMetrics(Map.of("accuracy", 1.0)).build();
        assertThat(series.add(monitor)).isFalse();
        assertThat(series.add(OnlineMetrics.newBuilder(truth(1, "credit-v2", 0, 5, 0, 0.5, 0.1, null, false, 30))
                .setVariant(Variant.SHADOW).build())).isFalse();

        List<TruthSeries.Row> rows = series.rows();
        assertThat(rows).hasSize(2);
        TruthSeries.Row first = rows.get(0);
        assertThat(first.predictions()).isEqualTo(400);
        assertThat(first.labeled()).isEqualTo(380);
        assertThat(first.estimated()).isCloseTo(0.75 * 0.90 + 0.25 * 0.80, within(1e-12));
        double halfWidth = Math.sqrt(0.75 * 0.75 * 0.03 * 0.03 + 0.25 * 0.25 * 0.04 * 0.04);
        assertThat(first.high() - first.low()).isCloseTo(2 * halfWidth, within(1e-12));
        assertThat(first.realised()).isCloseTo((290 * 0.88 + 90 * 0.84) / 380, within(1e-12));
        assertThat(first.firstEstimateAt()).isEqualTo(START.plusSeconds(12));
        assertThat(first.realisedAt()).isEqualTo(START.plusSeconds(22)); // 20 outcomes at 14 s were not enough
        assertThat(first.diverged()).isFalse();
        TruthSeries.Row second = rows.get(1);
        assertThat(second.estimated()).isEqualTo(0.70);
        assertThat(second.firstEstimateAt()).isBefore(second.realisedAt());
        assertThat(second.diverged()).isTrue();

        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TruthSeries.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), rows, START, START.plusSeconds(20),
                WINDOW);
        String[] lines = bytes.toString(StandardCharsets.UTF_8).split("\n");
        assertThat(lines[0]).contains("per 15 s window");
        assertThat(lines[1]).contains("window").contains("estimate").contains("realised at");
        // 0.875 +- sqrt(0.75^2 0.03^2 + 0.25^2 0.04^2) = 0.875 +- 0.0246; realised (290 0.88 + 90 0.84) / 380
        assertThat(lines[2]).isEqualTo("    00:00   credit-v1       400    0.875  [0.850, 0.900]"
                + "         00:12    0.871      380       00:22");
        assertThat(lines[3]).startsWith("    00:15   credit-v1       400    0.700  [0.670, 0.730]"
                + "         00:27    0.550      380       00:37")
                .endsWith("DIVERGED, <- the world changes here");
        // the columns line up: every value of a column ends where its heading ends
        assertThat(lines[2].indexOf("0.875") + 5).isEqualTo(lines[1].indexOf("estimate") + 8);
        assertThat(lines[2].indexOf("00:22") + 5).isEqualTo(lines[1].indexOf("realised at") + 11);
    }

    @Test
    void saysSoWhenNothingWasEstimated() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        TruthSeries.print(new PrintStream(bytes, true, StandardCharsets.UTF_8), List.of(), START, null,
                Duration.ofHours(1));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).contains("per 1 h window").contains("no window");
    }
}
