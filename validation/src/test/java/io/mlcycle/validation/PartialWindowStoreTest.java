package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureKind;
import io.mlcycle.mlcore.profile.WindowSummary;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * What a task starts from: the partial of its last commit when the changelog holds one that matches the spec, else an
 * empty partial, also when the stored one was written under another spec (other features), which must not stop the
 * task at every start. The exactly-once counts through a kill are {@code ValidationCrashIT}'s.
 */
class PartialWindowStoreTest {

    private final List<FeatureDefinition> definitions = FeatureDefinition.fromSpec(TestPipeline.spec(500));

    @Test
    void aStoredPartialIsRestoredWithItsCounts() {
        WindowSummary written = new WindowSummary(definitions, 500);
        written.quarantined(1_000L, List.of("OUT_OF_RANGE"));
        written.quarantined(2_000L, List.of("MISSING_REQUIRED"));

        WindowSummary restored = new PartialWindowStore("p", definitions, 500).restored(written.toBytes());

        assertThat(restored.records()).isEqualTo(2);
        assertThat(restored.quarantined()).isEqualTo(2);
        assertThat(restored.endMillis()).isEqualTo(2_000L);
        assertThat(restored.violations()).isEqualTo(Map.of("MISSING_REQUIRED", 1L, "OUT_OF_RANGE", 1L));
    }

    @Test
    void aPartialOfAnotherSpecOrNoneGivesAnEmptyPartialInsteadOfFailing() {
        List<FeatureDefinition> fewer = definitions.stream()
                .filter(d -> d.kind() == FeatureKind.NUMERIC).limit(1).toList();
        WindowSummary otherSpec = new WindowSummary(fewer, 500);
        otherSpec.passed(1_000L, Map.of(fewer.get(0).name(), 1.0));

        PartialWindowStore store = new PartialWindowStore("p", definitions, 500);

        assertThat(store.restored(otherSpec.toBytes()).isEmpty()).isTrue();
        assertThat(store.restored(new byte[] {1, 2, 3}).isEmpty()).isTrue();
        assertThat(store.restored(null).isEmpty()).isTrue();
    }
}
