package io.mlcycle.mlcore.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.mlcore.eval.BinaryMetrics;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureKind;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.model.Scorer;
import io.mlcycle.mlcore.model.TreeEnsembleModel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class GradientBoostingTrainerTest {

    private static final List<FeatureDefinition> FEATURES = List.of(
            new FeatureDefinition("x", FeatureKind.NUMERIC, List.of()),
            new FeatureDefinition("y", FeatureKind.NUMERIC, List.of()));

    /** A non-linear concept (an XOR of two thresholds) that a linear model cannot learn. */
    private static List<Example> data(int n, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Example> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double x = random.nextDouble();
            double y = random.nextDouble();
            boolean label = (x > 0.5) ^ (y > 0.5) ? random.nextDouble() < 0.9 : random.nextDouble() < 0.1;
            Map<String, Object> features = new HashMap<>();
            features.put("x", x);
            features.put("y", i % 17 == 0 ? null : y);
            out.add(new Example("e" + i, features, label, i));
        }
        return out;
    }

    @Test
    void learnsANonLinearConceptDeterministicallyAndScoresInPureJava() {
        List<Example> train = data(3000, 1);
        List<Example> holdout = data(1000, 2);
        GradientBoostingTrainer trainer = new GradientBoostingTrainer(FEATURES);

        TrainedModel first = trainer.train(train, Map.of("rounds", "60"), 7);
        TrainedModel second = trainer.train(train, Map.of("rounds", "60"), 7);

        assertThat(first.sha256()).as("same data, settings and seed: same bytes").isEqualTo(second.sha256());
        assertThat(first.formatId()).isEqualTo(TreeEnsembleModel.FORMAT_ID);
        Scorer loaded = ModelArtifacts.load(first.artifact());
        boolean[] labels = new boolean[holdout.size()];
        double[] scores = new double[holdout.size()];
        for (int i = 0; i < holdout.size(); i++) {
            labels[i] = holdout.get(i).label();
            scores[i] = loaded.score(holdout.get(i).features());
        }
        assertThat(BinaryMetrics.rocAuc(labels, scores)).isGreaterThan(0.85);
        assertThat(first.hyperparameters()).containsEntry("rounds", "60").containsEntry("max_depth", "4");
    }

    @Test
    void unknownHyperparametersAreRejected() {
        assertThatThrownBy(() -> new GradientBoostingTrainer(FEATURES).train(data(100, 1), Map.of("epochs", "3"), 1))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("unknown hyper-parameter");
    }
}
