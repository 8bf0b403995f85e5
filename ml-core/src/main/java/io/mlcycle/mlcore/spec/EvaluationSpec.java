package io.mlcycle.mlcore.spec;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * The {@code evaluation} section: what a candidate is evaluated on besides the whole holdout.
 *
 * @param slices       named subsets of the holdout (CEL conditions over feature fields) with their own metrics
 * @param ruleBaseline a rule a person would apply without a model (CEL over feature fields; true/false or a score),
 *                     scored on the same holdout and gated by {@code beats_spec_rule}; empty = none
 */
public record EvaluationSpec(List<Slice> slices, Optional<RuleBaseline> ruleBaseline) {

    public static final EvaluationSpec DEFAULTS = new EvaluationSpec(List.of(), Optional.empty());

    public EvaluationSpec {
        slices = List.copyOf(slices == null ? List.of() : slices);
        ruleBaseline = ruleBaseline == null ? Optional.empty() : ruleBaseline;
    }

    /**
     * One slice.
     *
     * @param name       its name in reports
     * @param expression a CEL condition over feature fields; a holdout record belongs to the slice when it is true
     * @param line       spec line, for messages
     */
    public record Slice(String name, String expression, int line) {
        public Slice {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(expression, "expression");
        }
    }

    /**
     * The spec's rule baseline.
     *
     * @param expression a CEL expression over feature fields: true/false (scored 1/0) or a number (a score; higher
     *                   means more likely positive); a record missing one of its fields scores 0
     * @param line       spec line, for messages
     */
    public record RuleBaseline(String expression, int line) {
        public RuleBaseline {
            Objects.requireNonNull(expression, "expression");
        }
    }
}
