package io.mlcycle.mlcore.spec;

import java.util.Objects;

/**
 * The {@code objective} section: what is optimised and the production budgets.
 *
 * @param metric            objective metric
 * @param decisionThreshold score at or above which a prediction is positive
 * @param latencyP99Ms      budget for in-process single-record scoring p99, milliseconds
 * @param artifactMaxBytes  budget for the serialised model artifact, bytes
 */
public record ObjectiveSpec(ObjectiveMetric metric, double decisionThreshold, double latencyP99Ms, long artifactMaxBytes) {
    public static final double DEFAULT_DECISION_THRESHOLD = 0.5;
    public static final double DEFAULT_LATENCY_P99_MS = 10;
    public static final long DEFAULT_ARTIFACT_MAX_BYTES = 10L * 1024 * 1024;

    public ObjectiveSpec {
        Objects.requireNonNull(metric, "metric");
    }
}
