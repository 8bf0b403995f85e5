package io.mlcycle.mlcore.eval;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.spec.ObjectiveMetric;
import io.mlcycle.mlcore.spec.ObjectiveSpec;
import io.mlcycle.mlcore.spec.PromotionSpec;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PromotionGatesTest {
    private static final int N = 2_000;
    private final PromotionGates gates = new PromotionGates(new ObjectiveSpec(ObjectiveMetric.ROC_AUC, 0.5, 5, 1_000),
            new PromotionSpec(0.05, 0.02, 0.01));
    private final boolean[] labels = new boolean[N];
    private final double[] strong = new double[N];
    private final double[] weaker = new double[N];
    private final double[] noise = new double[N];
    private final double[] prior = new double[N];

    PromotionGatesTest() {
        SplittableRandom random = new SplittableRandom(9);
        for (int i = 0; i < N; i++) {
            labels[i] = random.nextDouble() < 0.3;
            double y = labels[i] ? 1 : 0;
            strong[i] = sigmoid(2.5 * y - 1.2 + random.nextGaussian());
            weaker[i] = sigmoid(1.0 * y - 0.8 + random.nextGaussian());
            noise[i] = random.nextDouble();
            prior[i] = 0.3;
        }
    }

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void strongCandidateWithoutChampionPassesEveryGate() {
        Evaluation e = gates.evaluate(labels, strong, prior, null, 150, 900);
        assertThat(e.gates().passed()).as(e.gates().summary()).isTrue();
        assertThat(e.champion()).isEmpty();
        assertThat(e.gates().checks()).extracting(GateCheck::name)
                .containsExactly("beats_baseline", "latency_p99", "artifact_size");
        GateCheck beats = e.gates().checks().get(0);
        assertThat(beats.value()).isCloseTo(e.candidate().rocAuc() - 0.5, org.assertj.core.api.Assertions.within(1e-12));
        assertThat(beats.threshold()).isEqualTo(0.02);
        assertThat(e.gates().checks().get(1).explanation())
                .isEqualTo("single-record scoring p99 is 0.15 ms, within the budget of 5 ms");
        assertThat(e.gates().checks().get(2).explanation())
                .isEqualTo("the model artifact is 900 bytes, within the budget of 1000 bytes");
    }

    @Test
    void noiseDoesNotBeatTheBaseline() {
        Evaluation e = gates.evaluate(labels, noise, prior, null, 150, 900);
        assertThat(e.gates().passed()).isFalse();
        assertThat(e.gates().failed()).extracting(GateCheck::name).containsExactly("beats_baseline");
        assertThat(e.gates().failed().get(0).explanation()).contains("is not significant")
                .contains("no better than always predicting the training positive rate");
    }

    @Test
    void candidateMuchWorseThanTheChampionFailsNonInferiority() {
        Evaluation e = gates.evaluate(labels, weaker, prior, strong, 150, 900);
        assertThat(e.champion()).isPresent();
        assertThat(e.versusChampion()).hasValueSatisfying(t -> assertThat(t.difference()).isNegative());
        assertThat(e.gates().failed()).extracting(GateCheck::name).containsExactly("non_inferior_to_champion");
        GateCheck check = e.gates().failed().get(0);
        assertThat(check.threshold()).isEqualTo(-0.01);
        assertThat(check.value()).isLessThan(e.versusChampion().get().difference());
        assertThat(check.explanation()).startsWith("the 95% lower confidence bound of the ROC AUC improvement")
                .contains("below -0.01");
    }

    @Test
    void aSlightlyWorseCandidateOnANoisyHoldoutIsNotPromotedOnItsPointEstimate() {
        int n = 300;
        boolean[] l = java.util.Arrays.copyOf(labels, n);
        double[] champion = java.util.Arrays.copyOf(strong, n);
        double[] candidate = new double[n];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < n; i++) {
            candidate[i] = sigmoid(Math.log(champion[i] / (1 - champion[i])) + 0.35 * random.nextGaussian());
        }
        double pointDifference = BinaryMetrics.rocAuc(l, candidate) - BinaryMetrics.rocAuc(l, champion);
        assertThat(pointDifference).as("within the margin by the point estimate").isBetween(-0.01, 0.0);

        Evaluation e = gates.evaluate(l, candidate, new double[n], champion, 150, 900);

        GateCheck check = e.gates().checks().stream().filter(c -> c.name().equals("non_inferior_to_champion"))
                .findFirst().orElseThrow();
        assertThat(check.passed()).as(check.explanation()).isFalse();
        assertThat(check.value()).isLessThan(-0.01);
    }

    @Test
    void lossObjectivesUseAPairedBootstrapBound() {
        PromotionGates logLossGates = new PromotionGates(new ObjectiveSpec(ObjectiveMetric.LOG_LOSS, 0.5, 5, 1_000),
                new PromotionSpec(0.05, 0.0, 0.01));
        Evaluation same = logLossGates.evaluate(labels, strong, prior, strong.clone(), 150, 900);
        Evaluation worse = logLossGates.evaluate(labels, weaker, prior, strong, 150, 900);
        GateCheck sameCheck = same.gates().checks().get(1);
        assertThat(sameCheck.passed()).as(sameCheck.explanation()).isTrue();
        assertThat(sameCheck.explanation()).contains("paired bootstrap");
        assertThat(worse.gates().checks().get(1).passed()).isFalse();
        assertThat(logLossGates.evaluate(labels, weaker, prior, strong, 150, 900).gates().checks().get(1).value())
                .as("seeded: the same inputs give the same bound").isEqualTo(worse.gates().checks().get(1).value());
    }

    @Test
    void equalChampionIsNonInferior() {
        Evaluation e = gates.evaluate(labels, strong, prior, strong.clone(), 150, 900);
        assertThat(e.gates().passed()).isTrue();
        assertThat(e.gates().checks()).extracting(GateCheck::name)
                .containsExactly("beats_baseline", "non_inferior_to_champion", "latency_p99", "artifact_size");
    }

    @Test
    void budgetsAreEnforced() {
        Evaluation e = gates.evaluate(labels, strong, prior, null, 7_500, 5_000);
        assertThat(e.gates().failed()).extracting(GateCheck::name).containsExactly("latency_p99", "artifact_size");
        assertThat(e.gates().failed().get(0).explanation())
                .isEqualTo("single-record scoring p99 is 7.5 ms, over the budget of 5 ms");
    }

    @Test
    void lossObjectivesCompareInTheRightDirection() {
        PromotionGates logLossGates = new PromotionGates(new ObjectiveSpec(ObjectiveMetric.LOG_LOSS, 0.5, 5, 1_000),
                new PromotionSpec(0.05, 0.0, 0.01));
        Evaluation e = logLossGates.evaluate(labels, strong, prior, null, 150, 900);
        assertThat(e.gates().checks().get(0).value()).isCloseTo(e.baseline().logLoss() - e.candidate().logLoss(),
                org.assertj.core.api.Assertions.within(1e-12)).isPositive();
        assertThat(e.gates().passed()).isTrue();
    }

    @Test
    void latencyProbeMeasuresSomethingSmallAndPositive() {
        double p99 = LatencyProbe.p99Micros(f -> 0.5, java.util.List.of(java.util.Map.of()));
        assertThat(p99).isGreaterThanOrEqualTo(0).isLessThan(10_000);
    }
}
