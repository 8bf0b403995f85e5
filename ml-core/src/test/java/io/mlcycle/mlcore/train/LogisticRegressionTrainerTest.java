package io.mlcycle.mlcore.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import io.mlcycle.mlcore.eval.BinaryMetrics;
import io.mlcycle.mlcore.eval.ClassPriorBaseline;
import io.mlcycle.mlcore.eval.Evaluation;
import io.mlcycle.mlcore.eval.LatencyProbe;
import io.mlcycle.mlcore.eval.PromotionGates;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.model.Scorer;
import io.mlcycle.mlcore.spec.ObjectiveMetric;
import io.mlcycle.mlcore.spec.ObjectiveSpec;
import io.mlcycle.mlcore.spec.PromotionSpec;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class LogisticRegressionTrainerTest {
    private final LogisticRegressionTrainer trainer = new LogisticRegressionTrainer(SyntheticData.definitions());

    @Test
    void sameDataOrderAndSeedGiveABitIdenticalArtifact() {
        List<Example> data = SyntheticData.generate(5_000, 7);
        TrainedModel first = trainer.train(data, Map.of("epochs", "3"), 42);
        TrainedModel second = new LogisticRegressionTrainer(SyntheticData.definitions()).train(data, Map.of("epochs", "3"), 42);
        assertThat(second.sha256()).isEqualTo(first.sha256());
        assertThat(second.artifact()).isEqualTo(first.artifact());

        TrainedModel otherSeed = trainer.train(data, Map.of("epochs", "3"), 43);
        assertThat(otherSeed.sha256()).isNotEqualTo(first.sha256());
    }

    @Test
    void learnsTheSyntheticProblemAndPassesThePromotionGates() {
        TimeOrderedSplit.Split split = TimeOrderedSplit.split(SyntheticData.generate(20_000, 11), 0.2);
        TrainedModel model = trainer.train(split.training(), Map.of("epochs", "5", "learning_rate", "0.1"), 42);

        boolean[] labels = labels(split.holdout());
        List<Map<String, Object>> holdoutFeatures = split.holdout().stream().map(Example::features).toList();
        double[] scores = scores(model.scorer(), holdoutFeatures);
        BinaryMetrics metrics = BinaryMetrics.compute(labels, scores, 0.5);
        assertThat(metrics.rocAuc()).isGreaterThan(0.85);

        ClassPriorBaseline baseline = ClassPriorBaseline.fit(split.training());
        PromotionGates gates = new PromotionGates(new ObjectiveSpec(ObjectiveMetric.ROC_AUC, 0.5, 5, 1_048_576),
                new PromotionSpec(0.05, 0.02, 0.01));
        double p99 = LatencyProbe.p99Micros(model.scorer(), holdoutFeatures);
        Evaluation evaluation = gates.evaluate(labels, scores, baseline.scores(labels.length), null, p99,
                model.artifactSize());

        assertThat(evaluation.gates().passed()).as(evaluation.gates().summary()).isTrue();
        assertThat(evaluation.gates().checks()).extracting(c -> c.name())
                .containsExactly("beats_baseline", "latency_p99", "artifact_size");
        assertThat(evaluation.gates().checks().get(0).explanation())
                .matches("ROC AUC 0\\.\\d+ beats the class-prior baseline 0\\.5 by 0\\.\\d+ \\(DeLong p = .+ < 0\\.05; "
                        + "required lift 0\\.02\\)");
        assertThat(evaluation.versusBaseline().pValueOneSided()).isLessThan(1e-6);
    }

    @Test
    void trains120kExamplesDeterministically() {
        List<Example> data = SyntheticData.generate(120_000, 3);
        TrainedModel model = trainer.train(data, Map.of(), 42);
        assertThat(model.trainingExamples()).isEqualTo(120_000);
        assertThat(model.hyperparameters()).containsEntry("epochs", "10").containsEntry("class_weight", "none");
        assertThat(ModelArtifacts.load(model.artifact()).score(data.get(0).features()))
                .isEqualTo(model.scorer().score(data.get(0).features()));
    }

    @Test
    void balancedClassWeightRaisesScoresOfTheRareClass() {
        List<Example> data = SyntheticData.generate(6_000, 5).stream()
                .filter(e -> !e.label() || e.eventId().hashCode() % 10 == 0).toList(); // make positives rare
        double rate = (double) data.stream().filter(Example::label).count() / data.size();
        assertThat(rate).isLessThan(0.2);
        Scorer plain = trainer.train(data, Map.of("epochs", "5"), 1).scorer();
        Scorer balanced = trainer.train(data, Map.of("epochs", "5", "class_weight", "balanced"), 1).scorer();
        // the log-loss optimum with an intercept matches the (weighted) label mean: unweighted, the mean score is
        // the positive rate; balanced, the average of the two class means is one half
        assertThat(meanScore(plain, data)).isCloseTo(rate, within(0.03));
        assertThat(classBalancedMeanScore(plain, data)).isLessThan(0.4);
        assertThat(classBalancedMeanScore(balanced, data)).isCloseTo(0.5, within(0.05));
    }

    private static double classBalancedMeanScore(Scorer scorer, List<Example> data) {
        double positives = data.stream().filter(Example::label).mapToDouble(e -> scorer.score(e.features()))
                .average().orElseThrow();
        double negatives = data.stream().filter(e -> !e.label()).mapToDouble(e -> scorer.score(e.features()))
                .average().orElseThrow();
        return (positives + negatives) / 2;
    }

    @Test
    void refusesUnusableInput() {
        List<Example> oneClass = SyntheticData.generate(200, 1).stream().filter(Example::label).toList();
        assertThatThrownBy(() -> trainer.train(oneClass, Map.of(), 1)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("only positive examples");
        assertThatThrownBy(() -> trainer.train(List.of(), Map.of(), 1)).hasMessage("the training set is empty");
        assertThatThrownBy(() -> trainer.train(SyntheticData.generate(100, 1), Map.of("epoch", "3"), 1))
                .hasMessageContaining("hyper-parameter 'epoch'").hasMessageContaining("did you mean 'epochs'");
        assertThatThrownBy(() -> trainer.train(SyntheticData.generate(100, 1), Map.of("learning_rate", "-1"), 1))
                .hasMessage("hyper-parameter 'learning_rate': must be a positive number, but is -1");
    }

    @Test
    void timeOrderedSplitHoldsOutTheNewest() {
        List<Example> examples = List.of(
                new Example("b", Map.of(), true, 300), new Example("a", Map.of(), false, 300),
                new Example("c", Map.of(), true, 100), new Example("d", Map.of(), false, 200),
                new Example("e", Map.of(), true, 500));
        TimeOrderedSplit.Split split = TimeOrderedSplit.split(examples, 0.4);
        assertThat(split.training()).extracting(Example::eventId).containsExactly("c", "d", "a");
        assertThat(split.holdout()).extracting(Example::eventId).containsExactly("b", "e");
        Set<String> all = examples.stream().map(Example::eventId).collect(Collectors.toSet());
        assertThat(TimeOrderedSplit.split(examples, 0.01).holdout()).hasSize(1);
        assertThat(TimeOrderedSplit.split(examples, 0.99).training()).hasSize(1);
        assertThat(all).hasSize(5);
    }

    @Test
    void newestKeepsTheLatestExamplesInTimeOrder() {
        List<Example> examples = List.of(
                new Example("b", Map.of(), true, 300), new Example("a", Map.of(), false, 300),
                new Example("c", Map.of(), true, 100), new Example("d", Map.of(), false, 200));
        assertThat(TimeOrderedSplit.newest(examples, 2)).extracting(Example::eventId).containsExactly("a", "b");
        assertThat(TimeOrderedSplit.newest(examples, 10)).extracting(Example::eventId)
                .containsExactly("c", "d", "a", "b");
    }

    static boolean[] labels(List<Example> examples) {
        boolean[] labels = new boolean[examples.size()];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = examples.get(i).label();
        }
        return labels;
    }

    static double[] scores(Scorer scorer, List<Map<String, Object>> features) {
        return features.stream().mapToDouble(scorer::score).toArray();
    }

    private static double meanScore(Scorer scorer, List<Example> data) {
        return data.stream().mapToDouble(e -> scorer.score(e.features())).average().orElseThrow();
    }
}
