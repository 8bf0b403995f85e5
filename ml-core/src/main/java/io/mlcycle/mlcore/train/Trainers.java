package io.mlcycle.mlcore.train;

import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.TrainingSpec;

/** The trainer a spec names ({@code training.trainer}): one place for the orchestrator and the benchmarks. */
public final class Trainers {

    private Trainers() {
    }

    /** @throws IllegalArgumentException for a trainer name the spec parser would have refused */
    public static Trainer forSpec(PipelineSpec spec) {
        return forName(spec.training().trainer(), spec);
    }

    public static Trainer forName(String name, PipelineSpec spec) {
        return switch (name) {
            case TrainingSpec.LOGISTIC_REGRESSION -> new LogisticRegressionTrainer(FeatureDefinition.fromSpec(spec));
            case TrainingSpec.GRADIENT_BOOSTING -> new GradientBoostingTrainer(FeatureDefinition.fromSpec(spec));
            default -> throw new IllegalArgumentException("unknown trainer '" + name + "' (available: "
                    + String.join(", ", TrainingSpec.TRAINERS) + ")");
        };
    }

    /**
     * The positive examples of a training set a binary classifier can learn from.
     *
     * @throws IllegalArgumentException when the set is empty or holds one class only, naming which
     */
    static long requireBothClasses(java.util.List<Example> trainingSet) {
        java.util.Objects.requireNonNull(trainingSet, "trainingSet");
        int n = trainingSet.size();
        if (n == 0) {
            throw new IllegalArgumentException("the training set is empty");
        }
        long positives = trainingSet.stream().filter(Example::label).count();
        if (positives == 0 || positives == n) {
            throw new IllegalArgumentException("the training set has only " + (positives == 0 ? "negative" : "positive")
                    + " examples (" + n + "); a classifier needs both classes");
        }
        return positives;
    }
}
