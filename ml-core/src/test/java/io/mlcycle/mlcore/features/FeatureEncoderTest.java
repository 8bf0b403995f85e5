package io.mlcycle.mlcore.features;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.mlcore.TestSpecs;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureEncoderTest {
    private static final List<FeatureDefinition> DEFINITIONS = List.of(
            FeatureDefinition.numeric("age"),
            FeatureDefinition.bool("owner"),
            FeatureDefinition.category("colour", List.of("red", "green", "blue")));

    private static Map<String, Object> row(Object age, Object owner, Object colour) {
        Map<String, Object> m = new HashMap<>();
        m.put("age", age);
        m.put("owner", owner);
        m.put("colour", colour);
        return m;
    }

    private static final List<Map<String, Object>> TRAINING = List.of(
            row(20, true, "red"), row(40L, false, "green"), row(null, true, "blue"), row(30.0, true, null),
            row(null, null, "red"));

    @Test
    void fitsMeanStdAndRateOnTrainingOnly() {
        FeatureEncoder encoder = FeatureEncoder.fit(DEFINITIONS, TRAINING);
        // age: present 20, 40, 30 -> mean 30, population std sqrt(200/3)
        assertThat(encoder.features()).containsExactly(
                new EncodedFeature("age", FeatureKind.NUMERIC, List.of(), 30.0, Math.sqrt(200.0 / 3), 20, 40),
                new EncodedFeature("owner", FeatureKind.BOOLEAN, List.of(), 0.75, 1.0),
                new EncodedFeature("colour", FeatureKind.CATEGORY, List.of("red", "green", "blue"), 0, 1));
        assertThat(encoder.columns()).containsExactly("age", "age__missing", "owner", "owner__missing",
                "colour=red", "colour=green", "colour=blue");
    }

    @Test
    void encodesStandardisedImputedAndOneHot() {
        FeatureEncoder encoder = FeatureEncoder.fit(DEFINITIONS, TRAINING);
        double std = Math.sqrt(200.0 / 3);
        assertThat(encoder.encode(row(40, false, "green")))
                .containsExactly(10 / std, 0, 0, 0, 0, 1, 0);
        // missing numeric -> training mean (0 after standardising) + indicator; missing boolean -> training rate
        assertThat(encoder.encode(row(null, null, null))).containsExactly(0, 1, 0.75, 1, 0, 0, 0);
        // unseen category -> all zeros; case and spaces are forgiven
        assertThat(encoder.encode(row(30, true, "purple"))).containsExactly(0, 0, 1, 0, 0, 0, 0);
        assertThat(encoder.encode(row(30, true, " BLUE "))).containsExactly(0, 0, 1, 0, 0, 0, 1);
        // NaN counts as missing
        assertThat(encoder.encode(row(Double.NaN, true, "red"))).containsExactly(0, 1, 1, 0, 1, 0, 0);
    }

    @Test
    void constantFeatureGetsUnitScale() {
        FeatureEncoder encoder = FeatureEncoder.fit(List.of(FeatureDefinition.numeric("x")),
                List.of(Map.of("x", 5), Map.of("x", 5)));
        assertThat(encoder.features().get(0).scale()).isEqualTo(1.0);
        assertThat(encoder.encode(Map.of("x", 7))).as("clipped to the training range").containsExactly(0, 0);
    }

    @Test
    void heavyTailsAreClippedAtTrainingQuantilesSoOutliersDoNotDominateTheScale() {
        List<Map<String, Object>> rows = new java.util.ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            rows.add(Map.of("x", i < 997 ? (double) (i % 10) : 1e9));
        }
        FeatureEncoder encoder = FeatureEncoder.fit(List.of(FeatureDefinition.numeric("x")), rows);
        EncodedFeature x = encoder.features().get(0);
        assertThat(x.upper()).isEqualTo(9.0);
        assertThat(x.lower()).isEqualTo(0.0);
        assertThat(x.scale()).as("not blown up by the outliers").isLessThan(10);
        assertThat(encoder.encode(Map.of("x", 5e12))[0]).isEqualTo(encoder.encode(Map.of("x", x.upper()))[0]);
    }

    @Test
    void wrongJavaTypeIsAClearError() {
        FeatureEncoder encoder = FeatureEncoder.fit(DEFINITIONS, TRAINING);
        assertThatThrownBy(() -> encoder.encode(row("forty", true, "red")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("feature 'age' expects a number but got String 'forty'");
    }

    @Test
    void definitionsComeFromTheSpecInOrder() {
        assertThat(FeatureDefinition.fromSpec(TestSpecs.credit())).containsExactly(
                FeatureDefinition.numeric("age"), FeatureDefinition.numeric("income"),
                FeatureDefinition.category("employment",
                        List.of("employed", "self_employed", "unemployed", "retired", "student")));
    }
}
