package io.mlcycle.platform.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class FixedTagCountersTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final FixedTagCounters counters = new FixedTagCounters(registry, "test.normalizations", "test",
            Tags.of("pipeline", "p"), "field", List.of("age", "income"), "rule", List.of("trim", "percent"));

    @Test
    void countsPerTagPairAndRegistersOnlyWhatWasUsed() {
        counters.increment("age", "trim");
        counters.increment("age", "trim");
        counters.increment("income", "percent");

        assertThat(counters.count("age", "trim")).isEqualTo(2);
        assertThat(counters.count("income", "percent")).isEqualTo(1);
        assertThat(counters.count("income", "trim")).isZero();
        assertThat(registry.find("test.normalizations").counters()).hasSize(2);
        assertThat(registry.get("test.normalizations").tags("pipeline", "p", "field", "age", "rule", "trim").counter()
                .count()).isEqualTo(2);
    }

    @Test
    void valuesOutsideTheFixedSetsAreCountedAsOtherSoInputCannotGrowTheMetrics() {
        for (int i = 0; i < 1_000; i++) {
            counters.increment("invented-" + i, "made-up-" + i);
            counters.increment("age", "made-up-" + i);
        }

        assertThat(registry.find("test.normalizations").counters()).extracting(Counter::getId)
                .extracting(id -> id.getTag("field") + "/" + id.getTag("rule"))
                .containsExactlyInAnyOrder("other/other", "age/other");
        assertThat(counters.count(FixedTagCounters.OTHER, FixedTagCounters.OTHER)).isEqualTo(1_000);
        assertThat(counters.count("age", FixedTagCounters.OTHER)).isEqualTo(1_000);
    }
}
