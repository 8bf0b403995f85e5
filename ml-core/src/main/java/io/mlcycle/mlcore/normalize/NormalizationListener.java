package io.mlcycle.mlcore.normalize;

/**
 * Told about every normalisation the converter applies, so that none is silent: a service binds it to a metric
 * counter (tags {@code field} and {@code rule}, both from fixed sets: the spec's fields and {@link NormalizationRule}),
 * an import to its report. Called on the converting thread; implementations must be thread-safe and cheap.
 */
@FunctionalInterface
public interface NormalizationListener {

    /** Ignores everything. */
    NormalizationListener NONE = (field, rule) -> { };

    void applied(String field, NormalizationRule rule);
}
