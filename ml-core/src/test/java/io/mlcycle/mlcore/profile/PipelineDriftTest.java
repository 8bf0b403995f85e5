package io.mlcycle.mlcore.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureKind;
import io.mlcycle.mlcore.spec.DriftSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * Drift as validation computes it: windows summarised by three stream tasks (KLL and frequent-items sketches),
 * merged into one pipeline window, compared with the reference under the spec defaults (PSI 0.2, KS 0.1, JS 0.1,
 * significance 0.01). Known answers: a half-standard-deviation mean shift in one feature is detected within three
 * windows of 500 and only in that feature; 200 stationary windows give no drift verdict; the KS statistic and its
 * p-value match hand-computed values.
 */
class PipelineDriftTest {

    private static final int WINDOW = 500;
    private static final int TASKS = 3;
    private static final DriftSpec SPEC = new DriftSpec(WINDOW, 0.2, 0.01);
    private static final List<FeatureDefinition> DEFINITIONS = List.of(FeatureDefinition.numeric("x"),
            FeatureDefinition.numeric("y"), FeatureDefinition.category("c", List.of("a", "b", "c")));

    private final SplittableRandom random = new SplittableRandom(20260102L);
    private final DataProfile reference = new DataProfiler(DEFINITIONS).profile(rows(20_000, 0, 0));

    private List<Map<String, Object>> rows(int n, double shiftOfX, double shareOfC) {
        List<Map<String, Object>> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<String, Object> row = new HashMap<>();
            row.put("x", 40 + shiftOfX + 8 * random.nextGaussian());
            row.put("y", 3000 + 800 * random.nextGaussian());
            double u = random.nextDouble();
            row.put("c", u < shareOfC ? "c" : u < 0.6 ? "a" : u < 0.9 ? "b" : "c");
            rows.add(row);
        }
        return rows;
    }

    /** One pipeline window: its records spread over three task partials, merged. */
    private WindowSummary pipelineWindow(double shiftOfX, double shareOfC) {
        List<WindowSummary> partials = new ArrayList<>();
        for (int t = 0; t < TASKS; t++) {
            partials.add(new WindowSummary(DEFINITIONS, WINDOW));
        }
        List<Map<String, Object>> rows = rows(WINDOW, shiftOfX, shareOfC);
        for (int i = 0; i < rows.size(); i++) {
            partials.get(i % TASKS).passed(i, rows.get(i));
        }
        WindowSummary merged = new WindowSummary(DEFINITIONS, WINDOW);
        // Through bytes, as partials travel between tasks.
        partials.forEach(p -> merged.merge(WindowSummary.fromBytes(DEFINITIONS, p.toBytes())));
        return merged;
    }

    private DriftReport drift(WindowSummary window) {
        return DriftCalculator.compare(window.against(reference), SPEC);
    }

    @Test
    void aHalfStandardDeviationShiftIsDetectedWithinThreeWindowsInThatFeatureOnly() {
        int detectedAt = -1;
        for (int w = 1; w <= 3 && detectedAt < 0; w++) {
            DriftReport report = drift(pipelineWindow(4.0, 0));
            if (report.drifted()) {
                detectedAt = w;
                assertThat(report.driftedFeatures()).extracting(FeatureDrift::feature).containsOnly("x");
                assertThat(report.driftedFeatures()).allSatisfy(d -> assertThat(d.pValue()).isLessThan(0.01));
            }
        }
        assertThat(detectedAt).as("window at which the shift was detected").isBetween(1, 3);
    }

    @Test
    void aStationaryStreamOf200WindowsRaisesNoDrift() {
        int drifts = 0;
        int possibles = 0;
        int verdicts = 0;
        for (int w = 0; w < 200; w++) {
            for (FeatureDrift feature : drift(pipelineWindow(0, 0)).features()) {
                verdicts++;
                drifts += feature.verdict() == FeatureDrift.Verdict.DRIFT ? 1 : 0;
                possibles += feature.verdict() == FeatureDrift.Verdict.POSSIBLE ? 1 : 0;
            }
        }
        assertThat(verdicts).isEqualTo(200 * 6);
        assertThat(drifts).isZero();
        // A significance of 0.01 lets about 1% of tests through; only those with a real effect size may be
        // "possible", which the KS test's critical distance at n = 500 (0.07) already exceeds half of its threshold.
        assertThat(possibles).as("possible verdicts among 1,200").isLessThanOrEqualTo(24);
    }

    @Test
    void aCategoryShareShiftIsSeenByJensenShannon() {
        DriftReport report = drift(pipelineWindow(0, 0.5));
        FeatureDrift js = report.features().stream()
                .filter(f -> f.feature().equals("c") && f.statistic().equals(DriftCalculator.JS)).findFirst()
                .orElseThrow();
        assertThat(js.verdict()).isEqualTo(FeatureDrift.Verdict.DRIFT);
        assertThat(js.value()).isGreaterThan(0.1);
    }

    @Test
    void ksStatisticKnownAnswers() {
        FeatureProfile ref = new FeatureProfile("x", FeatureKind.NUMERIC, 100, 0, 15, 5, 0, 30, List.of(10.0, 20.0),
                List.of(), List.of(0.25, 0.5, 0.25), 0);
        // Reference CDF at the edges 0.25, 0.75; window 0.5, 1.0.
        assertThat(DriftCalculator.ks(ref, new long[] {50, 50, 0, 0})).isCloseTo(0.25, within(1e-12));
        assertThat(DriftCalculator.ks(ref, new long[] {25, 50, 25, 0})).isCloseTo(0.0, within(1e-12));
        assertThat(DriftCalculator.ks(ref, new long[] {0, 0, 10, 0})).isCloseTo(0.75, within(1e-12));
        // Missing values are left out of both distributions.
        FeatureProfile withMissing = new FeatureProfile("x", FeatureKind.NUMERIC, 100, 20, 15, 5, 0, 30,
                List.of(10.0, 20.0), List.of(), List.of(0.2, 0.4, 0.2), 0.2);
        assertThat(DriftCalculator.ks(withMissing, new long[] {25, 50, 25, 400})).isCloseTo(0.0, within(1e-12));
        // Kolmogorov's distribution: lambda 1.3581 is the 5% critical value, 1.6276 the 1% one.
        long huge = 100_000_000L;
        double root = Math.sqrt(huge / 2.0);
        assertThat(DriftCalculator.ksPValue(1.3581 / root, huge, huge)).isCloseTo(0.05, within(0.001));
        assertThat(DriftCalculator.ksPValue(1.6276 / root, huge, huge)).isCloseTo(0.01, within(0.0005));
        assertThat(DriftCalculator.ksPValue(0, 10, 10)).isEqualTo(1.0);
    }

    @Test
    void summariesAreReproducibleAndMergeOrderDoesNotMatter() {
        List<Map<String, Object>> rows = rows(WINDOW, 0, 0);
        WindowSummary whole = new WindowSummary(DEFINITIONS, WINDOW);
        rows.forEach(r -> whole.passed(0, r));
        WindowSummary a = new WindowSummary(DEFINITIONS, WINDOW);
        WindowSummary b = new WindowSummary(DEFINITIONS, WINDOW);
        for (int i = 0; i < rows.size(); i++) {
            (i < 200 ? a : b).passed(0, rows.get(i));
        }
        WindowSummary ba = new WindowSummary(DEFINITIONS, WINDOW).merge(b).merge(a);
        for (int f = 0; f < DEFINITIONS.size(); f++) {
            FeatureProfile merged = ba.profile().features().get(f);
            FeatureProfile single = whole.profile().features().get(f);
            assertThat(merged.binEdges()).isEqualTo(single.binEdges());
            assertThat(merged.binFractions()).isEqualTo(single.binFractions());
            assertThat(Double.compare(merged.min(), single.min())).isZero();
            if (merged.isNumeric()) {
                // Sums in another order differ in the last bits only.
                assertThat(merged.mean()).isCloseTo(single.mean(), within(1e-9 * Math.abs(single.mean())));
            }
        }
        // KLL keeps every value of a window this size: the deciles are the exact nearest-rank ones.
        double[] xs = rows.stream().mapToDouble(r -> (Double) r.get("x")).sorted().toArray();
        assertThat(whole.quantile("x", 0.5)).isEqualTo(xs[(int) Math.ceil(0.5 * xs.length) - 1]);
        assertThat(whole.profile().features().get(0).binEdges())
                .isEqualTo(DataProfiler.decileEdges(xs));
        assertThat(whole.frequentItems("c")).containsOnlyKeys("a", "b", "c");
        assertThat(whole.frequentItems("c").values().stream().mapToLong(Long::longValue).sum()).isEqualTo(WINDOW);
    }
}
