package io.mlcycle.mlcore.spec;

/**
 * The {@code drift} section. Every statistic's verdict needs both significance (its test's p-value below
 * {@code significance}) and an effect size above its threshold: {@code drift} above the threshold, {@code possible}
 * above half of it. On large windows every p-value is tiny, so the effect size is what keeps a wobble from being
 * called drift; on small windows the test is what keeps noise from being called drift.
 *
 * @param windowRecords records per profile window, counted over the whole pipeline (all partitions together)
 * @param psiThreshold  population stability index (chi-square test) above which a significant shift is drift
 * @param significance  p-value below which a window differs significantly from the reference
 * @param ksThreshold   Kolmogorov-Smirnov distance (numeric features; KS test) above which a significant shift is drift
 * @param jsThreshold   Jensen-Shannon distance (categorical features, base 2, 0..1; chi-square test) above which a
 *                      significant shift is drift
 * @param skew          whether the features serving scored ({@code <p>.predictions}) are compared with the
 *                      champion's training profile too (training/serving skew)
 */
public record DriftSpec(int windowRecords, double psiThreshold, double significance, double ksThreshold,
                        double jsThreshold, boolean skew) {
    public static final int DEFAULT_WINDOW_RECORDS = 1000;
    public static final double DEFAULT_PSI_THRESHOLD = 0.2;
    public static final double DEFAULT_SIGNIFICANCE = 0.01;
    public static final double DEFAULT_KS_THRESHOLD = 0.1;
    public static final double DEFAULT_JS_THRESHOLD = 0.1;

    public DriftSpec(int windowRecords, double psiThreshold, double significance) {
        this(windowRecords, psiThreshold, significance, DEFAULT_KS_THRESHOLD, DEFAULT_JS_THRESHOLD, true);
    }

    public DriftSpec(int windowRecords, double psiThreshold) {
        this(windowRecords, psiThreshold, DEFAULT_SIGNIFICANCE);
    }
}
