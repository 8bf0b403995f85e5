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
}
