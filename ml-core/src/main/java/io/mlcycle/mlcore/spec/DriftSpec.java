package io.mlcycle.mlcore.spec;

/**
 * The {@code drift} section.
 *
 * @param windowRecords records per profile window
 * @param psiThreshold  population stability index (the effect size) above which a significant shift is drift;
 *                      above half of it, a possible drift
 * @param significance  chi-square p-value below which a window differs significantly from the reference
 */
public record DriftSpec(int windowRecords, double psiThreshold, double significance) {
    public static final int DEFAULT_WINDOW_RECORDS = 1000;
    public static final double DEFAULT_PSI_THRESHOLD = 0.2;
    public static final double DEFAULT_SIGNIFICANCE = 0.01;

    public DriftSpec(int windowRecords, double psiThreshold) {
        this(windowRecords, psiThreshold, DEFAULT_SIGNIFICANCE);
    }
}
