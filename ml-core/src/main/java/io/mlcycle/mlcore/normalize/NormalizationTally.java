package io.mlcycle.mlcore.normalize;

import java.util.ArrayList;
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

    private static final NormalizationRule[] RULES = NormalizationRule.values();

    /**
     * Per field, one counter per rule by ordinal: a lookup by the field's name (its hash is cached) and no key
     * object per count, as a file import counts several normalisations per row.
     */
    private final Map<String, LongAdder[]> counts = new ConcurrentHashMap<>();

    @Override
    public void applied(String field, NormalizationRule rule) {
        LongAdder[] byRule = counts.get(field);
        if (byRule == null) {
            byRule = counts.computeIfAbsent(field, f -> {
                LongAdder[] adders = new LongAdder[RULES.length];
                for (int i = 0; i < adders.length; i++) {
                    adders[i] = new LongAdder();
                }
                return adders;
            });
        }
        byRule[rule.ordinal()].increment();
    }

    /** Every non-zero count, by field then rule. */
    public List<Count> counts() {
        List<Count> result = new ArrayList<>();
        counts.forEach((field, byRule) -> {
            for (NormalizationRule rule : RULES) {
                long n = byRule[rule.ordinal()].sum();
                if (n > 0) {
                    result.add(new Count(field, rule, n));
                }
            }
        });
        result.sort(Comparator.comparing(Count::field).thenComparing(Count::rule));
        return List.copyOf(result);
    }

    public long total() {
        long total = 0;
        for (LongAdder[] byRule : counts.values()) {
            for (LongAdder adder : byRule) {
                total += adder.sum();
            }
        }
        return total;
    }
}
