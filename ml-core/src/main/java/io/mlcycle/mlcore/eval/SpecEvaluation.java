package io.mlcycle.mlcore.eval;

import io.mlcycle.mlcore.gates.CrossFieldRules;
import io.mlcycle.mlcore.spec.EvaluationSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The spec's {@code evaluation} section made executable: its slices and its rule baseline, compiled once (with the
 * validation rules' CEL helper, {@link CrossFieldRules}) when the orchestrator starts. Immutable and thread-safe.
 */
public final class SpecEvaluation {

    /** The name of the spec's rule in baseline metrics. */
    public static final String SPEC_RULE = "spec_rule";

    private record CompiledSlice(String name, CrossFieldRules.Expression condition) {
    }

    private final List<CompiledSlice> slices;
    private final Optional<CrossFieldRules.Expression> rule;
    private final double threshold;

    private SpecEvaluation(List<CompiledSlice> slices, Optional<CrossFieldRules.Expression> rule, double threshold) {
        this.slices = slices;
        this.rule = rule;
        this.threshold = threshold;
    }

    /**
     * Compiles the spec's slices and rule baseline.
     *
     * @throws IllegalArgumentException naming the expression and its spec line when one does not compile (the
     *                                  parser reports these first, so this only fires for hand-built specs)
     */
    public static SpecEvaluation compile(PipelineSpec spec) {
        EvaluationSpec evaluation = spec.evaluation();
        List<CompiledSlice> slices = new ArrayList<>();
        for (EvaluationSpec.Slice slice : evaluation.slices()) {
            slices.add(new CompiledSlice(slice.name(), CrossFieldRules.expression("evaluation slice '" + slice.name()
                    + "' (line " + slice.line() + ")", slice.expression(), spec.data())));
        }
        Optional<CrossFieldRules.Expression> rule = evaluation.ruleBaseline().map(r -> CrossFieldRules.expression(
                "evaluation.rule_baseline (line " + r.line() + ")", r.expression(), spec.data()));
        return new SpecEvaluation(List.copyOf(slices), rule, spec.objective().decisionThreshold());
    }

    /** Whether the spec declares a rule baseline. */
    public boolean hasRule() {
        return rule.isPresent();
    }

    /** The rule's expression, as written in the spec. */
    public Optional<String> ruleText() {
        return rule.map(CrossFieldRules.Expression::text);
    }

    /**
     * The rule's scores for records: true = 1, false = 0, a number as is; 0 when the rule cannot be evaluated for a
     * record (one of its fields is missing): the rule does not fire.
     */
    public double[] ruleScores(List<Map<String, Object>> records) {
        CrossFieldRules.Expression expression = rule.orElseThrow(
                () -> new IllegalStateException("the spec declares no evaluation.rule_baseline"));
        double[] scores = new double[records.size()];
        for (int i = 0; i < scores.length; i++) {
            Object value = expression.evaluate(records.get(i)).orElse(null);
            if (value instanceof Boolean b) {
                scores[i] = b ? 1 : 0;
            } else if (value instanceof Number n && Double.isFinite(n.doubleValue())) {
                scores[i] = n.doubleValue();
            }
        }
        return scores;
    }

    /**
     * Metrics per slice, by slice name in spec order: {@code n} and {@code positives} always, and the
     * {@link BinaryMetrics} of the model's scores on the slice's records when it has any (ROC and PR AUC are NaN,
     * hence left out, when the slice holds one class only). Records for which a slice's condition cannot be evaluated
     * (a field is missing) are not in it.
     */
    public Map<String, Map<String, Double>> sliceMetrics(List<Map<String, Object>> records, boolean[] labels,
                                                         double[] scores) {
        Map<String, Map<String, Double>> result = new LinkedHashMap<>();
        for (CompiledSlice slice : slices) {
            List<Integer> members = new ArrayList<>();
            for (int i = 0; i < records.size(); i++) {
                if (Boolean.TRUE.equals(slice.condition().evaluate(records.get(i)).orElse(null))) {
                    members.add(i);
                }
            }
            Map<String, Double> metrics = new LinkedHashMap<>();
            boolean[] sliceLabels = new boolean[members.size()];
            double[] sliceScores = new double[members.size()];
            long positives = 0;
            for (int j = 0; j < members.size(); j++) {
                sliceLabels[j] = labels[members.get(j)];
                sliceScores[j] = scores[members.get(j)];
                positives += sliceLabels[j] ? 1 : 0;
            }
            if (!members.isEmpty()) {
                BinaryMetrics.compute(sliceLabels, sliceScores, threshold).toMap().forEach((k, v) -> {
                    if (Double.isFinite(v)) {
                        metrics.put(k, v);
                    }
                });
            }
            metrics.put("n", (double) members.size());
            metrics.put("positives", (double) positives);
            result.put(slice.name(), metrics);
        }
        return result;
    }
}
