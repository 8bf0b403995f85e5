package io.mlcycle.mlcore.eval;

import io.mlcycle.mlcore.spec.ObjectiveMetric;
import io.mlcycle.mlcore.spec.ObjectiveSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PromotionSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;

/**
 * Decides whether a candidate model may be promoted, from the spec's objective and promotion policy. Gates, in order:
 * <ol>
 * <li>{@code beats_baseline}: one-sided DeLong p (candidate AUC > baseline AUC) below {@code significance}, and the
 * objective metric improves on the class-prior baseline by at least {@code min_lift};</li>
 * <li>{@code non_inferior_to_champion} (only when a champion exists): the one-sided {@code 1 - significance} lower
 * confidence bound of the paired improvement (candidate over champion, same holdout) is at least
 * {@code -non_inferiority_margin} — DeLong for ROC AUC, a seeded paired bootstrap otherwise. A point estimate is not
 * enough: noise could promote a worse model, and repeated promotions could ratchet quality down. (When the champion
 * cannot score the holdout, the orchestrator holds the candidate: the gate fails, it is never passed.)</li>
 * <li>{@code latency_p99}: measured single-record scoring p99 within {@code latency_p99_ms};</li>
 * <li>{@code artifact_size}: artifact bytes within {@code artifact_max_bytes}.</li>
 * </ol>
 * Immutable and thread-safe.
 */
public final class PromotionGates {
    public static final String BEATS_BASELINE = "beats_baseline";
    public static final String BEATS_SIMPLE_RULE = "beats_simple_rule";
    public static final String BEATS_SPEC_RULE = "beats_spec_rule";
    public static final String NON_INFERIOR_TO_CHAMPION = "non_inferior_to_champion";
    public static final String LATENCY_P99 = "latency_p99";
    public static final String ARTIFACT_SIZE = "artifact_size";

    private final ObjectiveSpec objective;
    private final PromotionSpec promotion;

    public PromotionGates(ObjectiveSpec objective, PromotionSpec promotion) {
        this.objective = Objects.requireNonNull(objective, "objective");
        this.promotion = Objects.requireNonNull(promotion, "promotion");
    }

    public PromotionGates(PipelineSpec spec) {
        this(spec.objective(), spec.promotion());
    }

    /**
     * Evaluates a candidate on a holdout.
     *
     * @param labels           holdout labels
     * @param candidateScores  candidate scores on the holdout
     * @param baselineScores   class-prior baseline scores on the same holdout
     * @param championScores   the current champion's scores on the same holdout, or null when there is none
     * @param latencyP99Micros measured p99 single-record scoring latency (see {@link LatencyProbe})
     * @param artifactBytes    artifact size in bytes
     */
    public Evaluation evaluate(boolean[] labels, double[] candidateScores, double[] baselineScores,
                               double[] championScores, double latencyP99Micros, long artifactBytes) {
        double threshold = objective.decisionThreshold();
        ObjectiveMetric metric = objective.metric();
        BinaryMetrics candidate = BinaryMetrics.compute(labels, candidateScores, threshold);
        BinaryMetrics baseline = BinaryMetrics.compute(labels, baselineScores, threshold);
        DeLongResult versusBaseline = DeLongTest.compare(labels, candidateScores, baselineScores);
        List<GateCheck> checks = new ArrayList<>();
        checks.add(beatsBaseline(metric, candidate, baseline, versusBaseline));

        Optional<BinaryMetrics> champion = Optional.empty();
        Optional<DeLongResult> versusChampion = Optional.empty();
        if (championScores != null) {
            BinaryMetrics championMetrics = BinaryMetrics.compute(labels, championScores, threshold);
            DeLongResult test = DeLongTest.compare(labels, candidateScores, championScores);
            champion = Optional.of(championMetrics);
            versusChampion = Optional.of(test);
            checks.add(nonInferior(metric, labels, candidateScores, championScores, candidate, championMetrics, test));
        }
        checks.add(latency(latencyP99Micros));
        checks.add(artifactSize(artifactBytes));
        return new Evaluation(candidate, baseline, champion, versusBaseline, versusChampion, GateReport.of(checks));
    }

    private GateCheck beatsBaseline(ObjectiveMetric metric, BinaryMetrics candidate, BinaryMetrics baseline,
                                    DeLongResult test) {
        double lift = metric.improvement(candidate.value(metric), baseline.value(metric));
        double alpha = promotion.significance();
        double minLift = promotion.minLift();
        boolean significant = test.pValueOneSided() < alpha;
        boolean enoughLift = lift >= minLift;
        String name = metricName(metric);
        String comparison = name + " " + fmt(candidate.value(metric)) + " vs the class-prior baseline "
                + fmt(baseline.value(metric));
        String evidence = "DeLong p = " + p(test.pValueOneSided());
        String explanation;
        if (significant && enoughLift) {
            explanation = name + " " + fmt(candidate.value(metric)) + " beats the class-prior baseline "
                    + fmt(baseline.value(metric)) + " by " + fmt(lift) + " (" + evidence + " < " + fmt(alpha)
                    + (minLift > 0 ? "; required lift " + fmt(minLift) : "") + ")";
        } else if (!significant) {
            explanation = comparison + ": the ROC AUC gain over the baseline (" + fmt(test.aucA()) + " vs "
                    + fmt(test.aucB()) + ") is not significant (" + evidence + " >= " + fmt(alpha)
                    + "); the model is no better than always predicting the training positive rate";
        } else {
            explanation = comparison + ": the improvement " + fmt(lift) + " is below the required lift "
                    + fmt(minLift) + " (although significant, " + evidence + ")";
        }
        return new GateCheck(BEATS_BASELINE, lift, minLift, significant && enoughLift, explanation);
    }

    private GateCheck nonInferior(ObjectiveMetric metric, boolean[] labels, double[] candidateScores,
                                  double[] championScores, BinaryMetrics candidate, BinaryMetrics champion,
                                  DeLongResult test) {
        double margin = promotion.nonInferiorityMargin();
        double alpha = promotion.significance();
        double point = metric.improvement(candidate.value(metric), champion.value(metric));
        double lower;
        String method;
        if (metric == ObjectiveMetric.ROC_AUC) {
            double z = org.apache.commons.statistics.distribution.NormalDistribution.of(0, 1)
                    .inverseCumulativeProbability(1 - alpha);
            lower = test.difference() - z * test.standardError();
            method = "DeLong standard error " + fmt(test.standardError());
        } else {
            PairedBootstrap.Interval interval = PairedBootstrap.improvement(labels, candidateScores, championScores,
                    metric, objective.decisionThreshold(), alpha, PairedBootstrap.DEFAULT_RESAMPLES, 17L);
            lower = interval.lowerBound();
            method = "paired bootstrap, " + interval.resamples() + " resamples";
        }
        boolean passed = !Double.isNaN(lower) && lower >= -margin;
        String name = metricName(metric);
        String level = fmt(100 * (1 - alpha)) + "%";
        String bound = "the " + level + " lower confidence bound of the " + name + " improvement over the champion ("
                + fmt(candidate.value(metric)) + " vs " + fmt(champion.value(metric)) + " on the same holdout; "
                + "point estimate " + fmt(point) + ", " + method + ") is " + fmt(lower);
        String explanation = passed
                ? bound + ", within the non-inferiority margin " + fmt(margin) + " (at least " + fmt(-margin)
                + " required)"
                : bound + ", below " + fmt(-margin) + ": the candidate may be worse than the champion by more than "
                + "the margin " + fmt(margin) + "; more holdout data narrows the bound, a better model raises it";
        return new GateCheck(NON_INFERIOR_TO_CHAMPION, lower, -margin, passed, explanation);
    }

    /**
     * The "do we need ML at all?" gate: the candidate's ROC AUC must beat the best simple rule's on the same holdout
     * with one-sided DeLong p below {@code significance}. The explanation says how much of the candidate's lift over
     * the class prior the rule already achieves.
     *
     * @param priorAuc the class-prior baseline's ROC AUC (0.5)
     */
    public GateCheck beatsSimpleRule(boolean[] labels, double[] candidateScores, double[] ruleScores, double priorAuc,
                                     String rule) {
        return beatsRule(BEATS_SIMPLE_RULE, "the best simple rule (" + rule + ")", labels, candidateScores,
                ruleScores, priorAuc);
    }

    /**
     * The {@code beats_spec_rule} gate: one-sided DeLong p (candidate ROC AUC over the spec's
     * {@code evaluation.rule_baseline}, same holdout) below {@code significance}; the sentence says how much of the
     * candidate's lift over the class prior the rule already achieves.
     */
    public GateCheck beatsSpecRule(boolean[] labels, double[] candidateScores, double[] ruleScores, double priorAuc,
                                   String expression) {
        return beatsRule(BEATS_SPEC_RULE, "the spec's rule (" + expression + ")", labels, candidateScores,
                ruleScores, priorAuc);
    }

    /**
     * How much of the candidate's ROC AUC lift over the class prior a baseline achieves ({@code (baseline - prior) /
     * (candidate - prior)}), or NaN when the candidate has no lift.
     */
    public static double liftShare(double candidateAuc, double baselineAuc, double priorAuc) {
        double lift = candidateAuc - priorAuc;
        return lift <= 0 ? Double.NaN : (baselineAuc - priorAuc) / lift;
    }

    private GateCheck beatsRule(String gate, String what, boolean[] labels, double[] candidateScores,
                                double[] ruleScores, double priorAuc) {
        DeLongResult test = DeLongTest.compare(labels, candidateScores, ruleScores);
        double alpha = promotion.significance();
        boolean passed = test.pValueOneSided() < alpha;
        double share = liftShare(test.aucA(), test.aucB(), priorAuc);
        String shareText = Double.isNaN(share) ? "the candidate has no lift over the class prior"
                : "the rule achieves " + Math.round(100 * share) + "% of the candidate's ROC AUC lift over the class "
                + "prior";
        String explanation = "ROC AUC " + fmt(test.aucA()) + " vs " + fmt(test.aucB()) + " for " + what + "; "
                + shareText + "; DeLong p = " + p(test.pValueOneSided()) + (passed ? " < " : " >= ")
                + fmt(alpha) + (passed ? "" : ": the model is not shown to beat a rule a person could apply by hand");
        return new GateCheck(gate, test.aucA() - test.aucB(), 0, passed, explanation);
    }

    private GateCheck latency(double p99Micros) {
        double millis = p99Micros / 1000.0;
        double budget = objective.latencyP99Ms();
        boolean passed = millis <= budget;
        String explanation = "single-record scoring p99 is " + fmt(millis) + " ms, "
                + (passed ? "within" : "over") + " the budget of " + fmt(budget) + " ms";
        return new GateCheck(LATENCY_P99, millis, budget, passed, explanation);
    }

    private GateCheck artifactSize(long bytes) {
        long budget = objective.artifactMaxBytes();
        boolean passed = bytes <= budget;
        String explanation = "the model artifact is " + bytes + " bytes, " + (passed ? "within" : "over")
                + " the budget of " + budget + " bytes";
        return new GateCheck(ARTIFACT_SIZE, bytes, budget, passed, explanation);
    }

    static String metricName(ObjectiveMetric metric) {
        return switch (metric) {
            case ROC_AUC -> "ROC AUC";
            case PR_AUC -> "PR AUC";
            case LOG_LOSS -> "log loss";
            case BRIER -> "Brier score";
        };
    }

    static String fmt(double value) {
        if (value == 0 || (Math.abs(value) >= 0.001 && Math.abs(value) < 1e6)) {
            String s = String.format(Locale.ROOT, "%.3f", value);
            return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
        }
        return String.format(Locale.ROOT, "%.2g", value);
    }

    static String p(double pValue) {
        if (pValue < 0.001) {
            return pValue == 0 ? "< 1e-300" : String.format(Locale.ROOT, "%.1e", pValue).replace("e-0", "e-");
        }
        return String.format(Locale.ROOT, "%.3f", pValue);
    }
}
