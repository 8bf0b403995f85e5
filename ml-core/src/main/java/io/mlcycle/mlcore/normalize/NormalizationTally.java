package io.mlcycle.mlcore.normalize;

import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** Counts normalisations per field and rule. Thread-safe. */
public final class NormalizationTally implements NormalizationListener {

    /** One count: how often {@code rule} changed a value of {@code field}. */
    public record Count(String field, NormalizationRule rule, long count) {
    }

    private record Key(String field, NormalizationRule rule) {
    }

    private final Map<Key, LongAdder> counts = new ConcurrentHashMap<>();

    @Override
    public void applied(String field, NormalizationRule rule) {
        counts.computeIfAbsent(new Key(field, rule), k -> new LongAdder()).increment();
    }

    /** Every non-zero count, by field then rule. */
    public List<Count> counts() {
        return counts.entrySet().stream()
                .map(e -> new Count(e.getKey().field(), e.getKey().rule(), e.getValue().sum()))
                .sorted(Comparator.comparing(Count::field).thenComparing(Count::rule))
                .toList();
    }

    public long total() {
        return counts.values().stream().mapToLong(LongAdder::sum).sum();
    }
}
