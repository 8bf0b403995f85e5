package io.mlcycle.mlcore.spec;

import io.mlcycle.mlcore.monitoring.FlaggedLabelPolicy;
import java.util.Objects;

/**
 * The {@code monitoring} section: online truth beyond realised metrics.
 *
 * @param flaggedLabels     what training does with examples whose label was flagged as suspect
 * @param labelNoiseMinPerClass outcomes per class before the label-noise detector flags anything
 * @param estimateLevel     probability of the interval of performance estimated before labels (CBPE)
 */
public record MonitoringSpec(FlaggedLabelPolicy flaggedLabels, long labelNoiseMinPerClass, double estimateLevel) {
    public static final long DEFAULT_LABEL_NOISE_MIN_PER_CLASS = 30;
    public static final double DEFAULT_ESTIMATE_LEVEL = 0.95;
    public static final MonitoringSpec DEFAULTS =
            new MonitoringSpec(FlaggedLabelPolicy.KEEP, DEFAULT_LABEL_NOISE_MIN_PER_CLASS, DEFAULT_ESTIMATE_LEVEL);

    public MonitoringSpec {
        Objects.requireNonNull(flaggedLabels, "flaggedLabels");
    }
}
