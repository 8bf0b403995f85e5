package io.mlcycle.mlcore.spec;

/**
 * The {@code promotion} section.
 *
 * @param significance         alpha of the one-sided DeLong test "candidate AUC > baseline AUC"
 * @param minLift              required improvement of the objective metric over the best baseline
 * @param nonInferiorityMargin how much worse than the champion (objective metric) a candidate may be
 */
public record PromotionSpec(double significance, double minLift, double nonInferiorityMargin) {
    public static final double DEFAULT_SIGNIFICANCE = 0.05;
    public static final double DEFAULT_MIN_LIFT = 0.0;
    public static final double DEFAULT_NON_INFERIORITY_MARGIN = 0.01;
}
