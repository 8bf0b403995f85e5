package io.mlcycle.mlcore.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.mlcore.features.FeatureDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DriftCalculatorTest {
    private static final List<FeatureDefinition> DEFINITIONS = List.of(FeatureDefinition.numeric("x"),
            FeatureDefinition.category("c", List.of("a", "b", "c")));

    private static List<Map<String, Object>> sample(int n, long seed, double mean, double[] categoryWeights) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Map<String, Object>> rows = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Map<String, Object> row = new HashMap<>();
            row.put("x", mean + random.nextGaussian());
            double u = random.nextDouble();
            row.put("c", u < categoryWeights[0] ? "a" : u < categoryWeights[0] + categoryWeights[1] ? "b" : "c");
            rows.add(row);
        }
        return rows;
    }

    private static final double[] EVEN = {1 / 3.0, 1 / 3.0};
    private final DataProfile reference = new DataProfiler(DEFINITIONS).profile(sample(20_000, 1, 0, EVEN));

    private WindowProfile window(List<Map<String, Object>> rows) {
        WindowProfile window = WindowProfile.against(reference);
        rows.forEach(window::add);
        return window;
    }

    @Test
    void sameDistributionHasNearZeroPsi() {
        DriftReport report = DriftCalculator.compare(window(sample(5_000, 2, 0, EVEN)), 0.2);
        assertThat(report.records()).isEqualTo(5_000);
        assertThat(report.features()).extracting(FeatureDrift::feature).containsExactly("x", "c");
        assertThat(report.features()).allSatisfy(d -> {
            assertThat(d.statistic()).isEqualTo("psi");
            assertThat(d.value()).isBetween(0.0, 0.01);
            assertThat(d.drifted()).isFalse();
        });
        assertThat(report.drifted()).isFalse();
    }

    @Test
    void oneStandardDeviationMeanShiftIsDrift() {
        WindowProfile shifted = window(sample(5_000, 3, 1.0, EVEN));
        DriftReport report = DriftCalculator.compare(shifted, 0.2);
        FeatureDrift x = report.features().get(0);
        assertThat(x.value()).isGreaterThan(0.2);
        assertThat(x.drifted()).isTrue();
        assertThat(report.driftedFeatures()).extracting(FeatureDrift::feature).containsExactly("x");
        // KS over decile bins: Phi(z) - Phi(z - 1) peaks at about 0.38 for a unit shift
        double ks = DriftCalculator.ks(reference.features().get(0), shifted.counts("x"));
        assertThat(ks).isBetween(0.3, 0.45);
    }

    @Test
    void categoryMixChangeIsDrift() {
        DriftReport report = DriftCalculator.compare(window(sample(5_000, 4, 0, new double[] {0.8, 0.1})), 0.2);
        assertThat(report.driftedFeatures()).extracting(FeatureDrift::feature).containsExactly("c");
    }

    @Test
    void windowsMergeAndRestore() {
        List<Map<String, Object>> rows = sample(1_000, 5, 0.3, EVEN);
        WindowProfile whole = window(rows);
        WindowProfile first = window(rows.subList(0, 400));
        WindowProfile second = window(rows.subList(400, 1_000));
        first.merge(second);
        assertThat(first.records()).isEqualTo(1_000);
        assertThat(first.counts("x")).containsExactly(whole.counts("x"));
        assertThat(first.counts("c")).containsExactly(whole.counts("c"));
        WindowProfile restored = WindowProfile.restore(reference, whole.records(),
                Map.of("x", whole.counts("x"), "c", whole.counts("c")));
        assertThat(DriftCalculator.compare(restored, 0.2)).isEqualTo(DriftCalculator.compare(whole, 0.2));
        assertThat(whole.counts("c")).hasSize(5); // a, b, c, (other), missing
    }

    @Test
    void missingValuesCountInTheirOwnBin() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            rows.add(new HashMap<>(Map.of("c", "a"))); // x always missing
        }
        DriftReport report = DriftCalculator.compare(window(rows), 0.2);
        assertThat(report.features().get(0).value()).isGreaterThan(5);
    }

    @Test
    void emptyWindowIsNotDriftAndWrongCountsAreRejected() {
        DriftReport report = DriftCalculator.compare(WindowProfile.against(reference), 0.2);
        assertThat(report.features()).allSatisfy(d -> assertThat(d.value()).isNaN());
        assertThat(report.drifted()).isFalse();
        assertThatThrownBy(() -> DriftCalculator.psi(reference.features().get(0), new long[] {1, 2}))
                .hasMessageContaining("needs 11 counts");
    }
}
