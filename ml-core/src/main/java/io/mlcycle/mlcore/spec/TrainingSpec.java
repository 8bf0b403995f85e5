package io.mlcycle.mlcore.spec;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The {@code training} section.
 *
 * @param trainer         trainer name ({@code logistic_regression} or {@code gradient_boosting})
 * @param seed            random seed, recorded in lineage
 * @param holdoutFraction newest fraction of examples (by event time) held out for evaluation
 * @param minExamples     labeled examples needed before the bootstrap run
 * @param hyperparameters trainer hyper-parameters as text, sorted by key
 * @param maxExamples     when set, a run uses only the newest this many labeled examples (by event time): after a
 *                        shift, old data no longer drowns the new; empty = all the data recorded
 */
public record TrainingSpec(String trainer, long seed, double holdoutFraction, int minExamples,
                           Map<String, String> hyperparameters, OptionalInt maxExamples) {
    public static final String LOGISTIC_REGRESSION = "logistic_regression";
    public static final String GRADIENT_BOOSTING = "gradient_boosting";
    /** The trainers a spec may name. */
    public static final java.util.List<String> TRAINERS = java.util.List.of(LOGISTIC_REGRESSION, GRADIENT_BOOSTING);
    public static final long DEFAULT_SEED = 42;
    public static final double DEFAULT_HOLDOUT_FRACTION = 0.2;
    public static final int DEFAULT_MIN_EXAMPLES = 1000;

    public TrainingSpec {
        Objects.requireNonNull(trainer, "trainer");
        hyperparameters = Collections.unmodifiableMap(new TreeMap<>(hyperparameters == null ? Map.of() : hyperparameters));
        maxExamples = maxExamples == null ? OptionalInt.empty() : maxExamples;
    }

    /** A training section that uses all the data recorded. */
    public TrainingSpec(String trainer, long seed, double holdoutFraction, int minExamples,
                        Map<String, String> hyperparameters) {
        this(trainer, seed, holdoutFraction, minExamples, hyperparameters, OptionalInt.empty());
    }
}
