package io.mlcycle.mlcore.spec;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * The optional {@code gates} section: record gates beyond a field's own type, range, values and pattern.
 *
 * @param unseen     per category field, what to do with a value outside its {@code values}
 * @param sentinels  per numeric field, codes that mean "unknown" (e.g. 96 and 98 in a past-due count)
 * @param rules      cross-field rules in CEL, in declared order
 * @param maxLate    how far in the past an event time may be; empty means no check
 * @param duplicates how long an event id is remembered to detect duplicates; empty means no duplicate detection
 * @param window     expectations on each quality window
 * @param conflictingLabels how long (event time) an entity's features and label are remembered to flag the same
 *                   entity with the same features and another label; empty means no check
 */
public record GatesSpec(Map<String, UnseenPolicy> unseen, Map<String, Sentinel> sentinels, List<Rule> rules,
                        Optional<Duration> maxLate, Optional<Duration> duplicates, WindowExpectations window,
                        Optional<Duration> conflictingLabels) {

    public GatesSpec(Map<String, UnseenPolicy> unseen, Map<String, Sentinel> sentinels, List<Rule> rules,
                     Optional<Duration> maxLate, Optional<Duration> duplicates, WindowExpectations window) {
        this(unseen, sentinels, rules, maxLate, duplicates, window, Optional.empty());
    }

    public GatesSpec(Map<String, UnseenPolicy> unseen, Map<String, Sentinel> sentinels, List<Rule> rules,
                     Optional<Duration> maxLate, Optional<Duration> duplicates) {
        this(unseen, sentinels, rules, maxLate, duplicates, WindowExpectations.NONE);
    }

    /**
     * Expectations on each quality window ({@code gates.window}); a window that misses one raises a DATA_QUALITY
     * alert. Absent values (null) are not checked.
     *
     * @param maxMissingRate     highest fraction of missing values of any feature among passing records
     * @param maxQuarantineRate  highest fraction of a window's records that were quarantined
     * @param minRecordsPerHour  lowest volume: window records divided by the window's event-time span
     */
    public record WindowExpectations(Double maxMissingRate, Double maxQuarantineRate, Double minRecordsPerHour) {
        public static final WindowExpectations NONE = new WindowExpectations(null, null, null);
    }

    /** The default when a spec has no {@code gates} section: duplicates remembered for a day, nothing else. */
    public static final Duration DEFAULT_DUPLICATE_RETENTION = Duration.ofDays(1);

    public GatesSpec {
        unseen = Map.copyOf(unseen);
        sentinels = Map.copyOf(sentinels);
        rules = List.copyOf(rules);
        Objects.requireNonNull(maxLate, "maxLate");
        Objects.requireNonNull(duplicates, "duplicates");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(conflictingLabels, "conflictingLabels");
    }

    public static GatesSpec defaults() {
        return new GatesSpec(Map.of(), Map.of(), List.of(), Optional.empty(),
                Optional.of(DEFAULT_DUPLICATE_RETENTION));
    }

    /** What a category field does with a value it does not declare. */
    public enum UnseenPolicy {
        /** Quarantine the record (NOT_ALLOWED); the default. */
        REJECT,
        /** Replace the value with {@code other} and pass the record; counted in the quality report. */
        OTHER,
        /** Pass the value as it is; counted in the quality report. */
        PASS;

        public static final String OTHER_VALUE = "other";
    }

    /** What a sentinel code turns into. */
    public enum SentinelAction {
        /** The value becomes missing (null); counted in the quality report. */
        MISSING,
        /** The record is quarantined as SENTINEL_VALUE. */
        REJECT
    }

    /**
     * @param values  the codes, compared as numbers
     * @param action  what a code turns into
     * @param meaning what the codes mean, for the detail (e.g. "not asked"), or null
     */
    public record Sentinel(Set<Double> values, SentinelAction action, String meaning) {
        public Sentinel {
            values = Set.copyOf(values);
            Objects.requireNonNull(action, "action");
        }
    }

    /**
     * A cross-field rule: a CEL expression over the record's fields that must be true.
     *
     * @param name       short name, used in reason details and metrics
     * @param expression the CEL expression, e.g. {@code loan_amount <= monthly_income * 60}
     * @param line       the spec line of the expression, for errors
     * @param detail     what a failure means, for data owners, or null
     */
    public record Rule(String name, String expression, int line, String detail) {
        public Rule {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(expression, "expression");
        }
    }
}
