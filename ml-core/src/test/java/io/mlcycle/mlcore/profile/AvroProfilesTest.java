package io.mlcycle.mlcore.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mlcycle.mlcore.features.FeatureDefinition;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class AvroProfilesTest {

    private final List<FeatureDefinition> definitions = List.of(
            FeatureDefinition.numeric("age"),
            FeatureDefinition.category("employment", List.of("employed", "self_employed", "unemployed")),
            FeatureDefinition.bool("owner"));

    @Test
    void aProfileSurvivesTheRoundTripThroughTheAvroContract() {
        Random random = new Random(3);
        List<Map<String, Object>> rows = new ArrayList<>();
        String[] jobs = {"employed", "self_employed", "unemployed", "astronaut"};
        for (int i = 0; i < 1000; i++) {
            Map<String, Object> row = new HashMap<>();
            row.put("age", i % 10 == 0 ? null : 20 + random.nextInt(50));
            row.put("employment", i % 7 == 0 ? null : jobs[random.nextInt(jobs.length)]);
            row.put("owner", random.nextBoolean());
            rows.add(row);
        }
        DataProfile original = new DataProfiler(definitions).profile(rows);

        io.mlcycle.avro.DataProfile avro = AvroProfiles.toAvro(original);
        DataProfile back = AvroProfiles.fromAvro(avro, definitions);

        assertThat(back.records()).isEqualTo(original.records());
        for (FeatureProfile feature : original.features()) {
            FeatureProfile mapped = back.feature(feature.feature()).orElseThrow();
            assertThat(mapped.kind()).isEqualTo(feature.kind());
            assertThat(mapped.binEdges()).isEqualTo(feature.binEdges());
            double[] expected = feature.distribution();
            double[] actual = mapped.distribution();
            assertThat(actual).hasSameSizeAs(expected);
            for (int i = 0; i < expected.length; i++) {
                assertThat(actual[i]).as("%s bin %d", feature.feature(), i).isCloseTo(expected[i], within(1e-9));
            }
        }
        // The Avro side holds fractions of the present values, as its contract says.
        io.mlcycle.avro.FeatureProfile age = avro.getFeatures().get(0);
        assertThat(age.getBinFractions().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0, within(1e-9));
        assertThat(age.getMissing()).isEqualTo(100);
        assertThat(avro.getFeatures().get(1).getCategoryFrequencies()).containsKeys("employed", "(other)");
    }

    @Test
    void referenceFeaturesTheSpecNoLongerDeclaresAreLeftOut() {
        List<Map<String, Object>> rows = List.of(Map.of("age", 30, "employment", "employed", "owner", true));
        io.mlcycle.avro.DataProfile avro = AvroProfiles.toAvro(new DataProfiler(definitions).profile(rows));

        DataProfile back = AvroProfiles.fromAvro(avro, List.of(FeatureDefinition.numeric("age"),
                FeatureDefinition.numeric("income")));

        assertThat(back.features()).extracting(FeatureProfile::feature).containsExactly("age");
    }
}
