package io.mlcycle.platform.metrics;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Counters of one metric name told apart by two tags whose values come from fixed sets known at start (e.g. a spec's
 * field names and a rule enum), so that no input can grow the metrics: a value outside its set is counted under
 * {@code other}. Each counter is registered on first use, so {@code /metrics} lists only what happened, and looked
 * up without allocation afterwards. Thread-safe.
 */
public final class FixedTagCounters {

    /** The tag value used for anything outside a tag's fixed set. */
    public static final String OTHER = "other";

    private final MeterRegistry registry;
    private final String name;
    private final String description;
    private final Tags common;
    private final String firstTag;
    private final String secondTag;
    private final Map<String, Map<String, Counter>> counters = new ConcurrentHashMap<>();
    private final List<String> secondValues;

    public FixedTagCounters(MeterRegistry registry, String name, String description, Tags common, String firstTag,
                            List<String> firstValues, String secondTag, List<String> secondValues) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.name = Objects.requireNonNull(name, "name");
        this.description = description;
        this.common = Objects.requireNonNull(common, "common");
        this.firstTag = Objects.requireNonNull(firstTag, "firstTag");
        this.secondTag = Objects.requireNonNull(secondTag, "secondTag");
        this.secondValues = List.copyOf(secondValues);
        for (String first : firstValues) {
            counters.put(first, new ConcurrentHashMap<>());
        }
        counters.put(OTHER, new ConcurrentHashMap<>());
    }

    public void increment(String first, String second) {
        Map<String, Counter> row = counters.get(first);
        String firstValue = first;
        if (row == null) {
            row = counters.get(OTHER);
            firstValue = OTHER;
        }
        Counter counter = row.get(second);
        if (counter == null) {
            String secondValue = secondValues.contains(second) ? second : OTHER;
            String tagValue = firstValue;
            counter = row.computeIfAbsent(secondValue, s -> Counter.builder(name).description(description)
                    .tags(common).tag(firstTag, tagValue).tag(secondTag, s).register(registry));
        }
        counter.increment();
    }

    /** The count for the two tag values (0 when never counted). */
    public double count(String first, String second) {
        Map<String, Counter> row = counters.get(first);
        Counter counter = row == null ? null : row.get(second);
        return counter == null ? 0 : counter.count();
    }
}
