package io.mlcycle.mlcore.spec;

/**
 * The {@code drift} section.
 *
 * @param windowRecords records per profile window
 * @param psiThreshold  population stability index above which a feature has drifted
 */
public record DriftSpec(int windowRecords, double psiThreshold) {
    public static final int DEFAULT_WINDOW_RECORDS = 1000;
    public static final double DEFAULT_PSI_THRESHOLD = 0.2;
}
