package io.mlcycle.mlcore.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureKind;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DataProfilerTest {

    @Test
    void numericProfileOfOneToHundredWithMissingValues() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            rows.add(Map.of("x", i));
        }
        for (int i = 0; i < 25; i++) {
            rows.add(new HashMap<>()); // missing
        }
        Collections.shuffle(rows, new java.util.Random(1));
        FeatureProfile p = new DataProfiler(List.of(FeatureDefinition.numeric("x"))).profile(rows).features().get(0);

        assertThat(p.count()).isEqualTo(125);
        assertThat(p.missing()).isEqualTo(25);
        assertThat(p.missingFraction()).isEqualTo(0.2);
        assertThat(p.mean()).isEqualTo(50.5);
        assertThat(p.stddev()).isCloseTo(Math.sqrt((100.0 * 100 - 1) / 12), within(1e-9));
        assertThat(p.min()).isEqualTo(1);
        assertThat(p.max()).isEqualTo(100);
        assertThat(p.binEdges()).containsExactly(10.0, 20.0, 30.0, 40.0, 50.0, 60.0, 70.0, 80.0, 90.0);
        assertThat(p.binFractions()).hasSize(10).allSatisfy(f -> assertThat(f).isCloseTo(0.08, within(1e-12)));
        assertThat(p.binOf(10)).isZero();
        assertThat(p.binOf(10.5)).isEqualTo(1);
        assertThat(p.binOf(1000)).isEqualTo(9);
        assertThat(p.binLabels().get(0)).isEqualTo("(-inf, 10.0]");
    }

    @Test
    void heavyTiesCollapseEdges() {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 90; i++) {
            rows.add(Map.of("x", 0));
        }
        for (int i = 0; i < 10; i++) {
            rows.add(Map.of("x", 5));
        }
        FeatureProfile p = new DataProfiler(List.of(FeatureDefinition.numeric("x"))).profile(rows).features().get(0);
        assertThat(p.binEdges()).containsExactly(0.0);
        assertThat(p.binFractions()).containsExactly(0.9, 0.1);
    }

    @Test
    void categoricalAndBooleanFrequencies() {
        List<Map<String, Object>> rows = new ArrayList<>();
        String[] colours = {"red", "red", "blue", "pink", null};
        Boolean[] flags = {true, false, true, true, null};
        for (int i = 0; i < colours.length; i++) {
            Map<String, Object> row = new HashMap<>();
            row.put("colour", colours[i]);
            row.put("flag", flags[i]);
            rows.add(row);
        }
        DataProfile profile = new DataProfiler(List.of(FeatureDefinition.category("colour", List.of("red", "blue")),
                FeatureDefinition.bool("flag"))).profile(rows);
        FeatureProfile colour = profile.feature("colour").orElseThrow();
        assertThat(colour.kind()).isEqualTo(FeatureKind.CATEGORY);
        assertThat(colour.categories()).containsExactly("red", "blue");
        assertThat(colour.binFractions()).containsExactly(0.4, 0.2, 0.2); // red, blue, (other)
        assertThat(colour.missingFraction()).isEqualTo(0.2);
        assertThat(colour.mean()).isNaN();
        FeatureProfile flag = profile.feature("flag").orElseThrow();
        assertThat(flag.categories()).containsExactly("false", "true");
        assertThat(flag.binFractions()).containsExactly(0.2, 0.6, 0.0);
    }

    @Test
    void largeInputsUseTheKllSketchWithinItsRankError() {
        double[] values = new double[DataProfiler.EXACT_LIMIT + 1];
        for (int i = 0; i < values.length; i++) {
            values[i] = i;
        }
        List<Double> edges = DataProfiler.decileEdges(values);
        assertThat(edges).hasSize(9);
        for (int d = 1; d <= 9; d++) {
            assertThat(edges.get(d - 1)).isCloseTo(d * values.length / 10.0, within(0.02 * values.length));
        }
    }
}
