package io.mlcycle.mlcore.profile;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.features.FeatureDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Drift verdicts with known answers: a half-standard-deviation mean shift in one feature is detected within a bounded
 * number of windows, and a stationary stream of 200 windows raises no drift (and the one shifted feature is the only
 * one flagged). Windows of 500 records, PSI threshold 0.2, significance 0.01, as in the spec defaults.
 */
class DriftVerdictTest {

    private static final int WINDOW = 500;
    private static final double PSI = 0.2;
    private static final double SIGNIFICANCE = 0.01;
    private static final List<FeatureDefinition> DEFINITIONS = List.of(FeatureDefinition.numeric("x"),
            FeatureDefinition.numeric("y"), FeatureDefinition.category("c", List.of("a", "b", "c")));

    private final SplittableRandom random = new SplittableRandom(20260101L);
    private final DataProfile reference = new DataProfiler(DEFINITIONS).profile(rows(20_000, 0));

    private List<Map<String, Object>> rows(int n, double shiftOfX) {
        List<Map<String, Object>> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<String, Object> row = new HashMap<>();
            row.put("x", 40 + shiftOfX + 8 * random.nextGaussian());
            row.put("y", 3000 + 800 * random.nextGaussian());
            double u = random.nextDouble();
            row.put("c", u < 0.6 ? "a" : u < 0.9 ? "b" : "c");
            rows.add(row);
        }
        return rows;
    }

    private DriftReport window(double shiftOfX) {
        WindowProfile window = WindowProfile.against(reference);
        rows(WINDOW, shiftOfX).forEach(window::add);
        return DriftCalculator.compare(window, PSI, SIGNIFICANCE);
    }

    @Test
    void aHalfStandardDeviationShiftIsDetectedWithinThreeWindows() {
        int detectedAt = -1;
        for (int w = 1; w <= 3 && detectedAt < 0; w++) {
            DriftReport report = window(4.0);
            if (report.drifted()) {
                detectedAt = w;
                assertThat(report.driftedFeatures()).extracting(FeatureDrift::feature).containsExactly("x");
                FeatureDrift x = report.features().get(0);
                assertThat(x.verdict()).isEqualTo(FeatureDrift.Verdict.DRIFT);
                assertThat(x.pValue()).isLessThan(SIGNIFICANCE);
            }
        }
        assertThat(detectedAt).as("window at which the shift was detected").isBetween(1, 3);
    }

    @Test
    void aStationaryStreamOf200WindowsRaisesNoDrift() {
        int drifts = 0;
        int possibles = 0;
        for (int w = 0; w < 200; w++) {
            for (FeatureDrift feature : window(0).features()) {
                drifts += feature.verdict() == FeatureDrift.Verdict.DRIFT ? 1 : 0;
                possibles += feature.verdict() == FeatureDrift.Verdict.POSSIBLE ? 1 : 0;
            }
        }
        assertThat(drifts).isZero();
        assertThat(possibles).as("600 feature-windows, none even possibly drifted").isZero();
    }

    @Test
    void aTinySignificantShiftInAHugeWindowIsNotDrift() {
        WindowProfile window = WindowProfile.against(reference);
        rows(200_000, 0.8).forEach(window::add);
        FeatureDrift x = DriftCalculator.compare(window, PSI, SIGNIFICANCE).features().get(0);
        assertThat(x.pValue()).as("a tenth of a standard deviation is significant at this size")
                .isLessThan(SIGNIFICANCE);
        assertThat(x.verdict()).as("but far below the effect size that matters").isEqualTo(FeatureDrift.Verdict.NONE);
    }

    @Test
    void jensenShannonIsZeroForTheSameDistributionAndBounded() {
        WindowProfile same = WindowProfile.against(reference);
        rows(20_000, 0).forEach(same::add);
        FeatureProfile c = reference.features().get(2);
        assertThat(DriftCalculator.jensenShannon(c, same.counts("c"))).isBetween(0.0, 0.001);
        WindowProfile allC = WindowProfile.against(reference);
        for (int i = 0; i < 100; i++) {
            allC.add(Map.of("x", 40.0, "y", 3000.0, "c", "c"));
        }
        assertThat(DriftCalculator.jensenShannon(c, allC.counts("c"))).isBetween(0.3, 1.0);
    }
}
