package io.mlcycle.mlcore.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LabelNoiseDetectorTest {

    @Test
    void findsInjectedFlipsOnASeparableStream() {
        SplittableRandom random = new SplittableRandom(17);
        LabelNoiseDetector detector = new LabelNoiseDetector(20);
        LabelNoiseDetector.State state = LabelNoiseDetector.State.EMPTY;
        int flips = 0;
        int flagged = 0;
        int flaggedFlips = 0;
        for (int i = 0; i < 5000; i++) {
            boolean truth = random.nextBoolean();
            // two well separated clusters; the model's (out-of-sample) score is confident and right
            double x = (truth ? 1.5 : -1.5) + 0.5 * CbpeTest.gaussian(random);
            double score = Calibration.sigmoid(3 * x);
            boolean flipped = random.nextDouble() < 0.05;
            boolean given = flipped != truth;
            LabelNoiseDetector.Verdict verdict = detector.judge(state, given, score);
            state = verdict.next();
            flips += flipped ? 1 : 0;
            flagged += verdict.flagged() ? 1 : 0;
            flaggedFlips += verdict.flagged() && flipped ? 1 : 0;
            if (verdict.flagged()) {
                assertThat(verdict.margin()).isGreaterThanOrEqualTo(0);
                assertThat(verdict.selfConfidence()).isLessThan(verdict.ownThreshold());
            }
        }
        double precision = (double) flaggedFlips / flagged;
        double recall = (double) flaggedFlips / flips;
        assertThat(precision).isGreaterThan(0.85);
        assertThat(recall).isGreaterThan(0.85);
    }

    @Test
    void perClassThresholdsAreMeanSelfConfidence() {
        LabelNoiseDetector detector = new LabelNoiseDetector(2);
        LabelNoiseDetector.State state = LabelNoiseDetector.State.EMPTY;
        state = detector.judge(state, true, 0.9).next();
        state = detector.judge(state, true, 0.7).next();
        state = detector.judge(state, false, 0.2).next();
        // warming up: one class has only one outcome
        LabelNoiseDetector.Verdict early = detector.judge(state, true, 0.1);
        assertThat(early.flagged()).isFalse();
        state = detector.judge(state, false, 0.4).next();
        assertThat(state.positiveThreshold()).isEqualTo(0.8);
        assertThat(state.negativeThreshold()).isEqualTo(0.7);
        // labelled positive with P(positive) 0.25 < 0.8 while P(negative) 0.75 >= 0.7: suspect, margin 0.05
        LabelNoiseDetector.Verdict suspect = detector.judge(state, true, 0.25);
        assertThat(suspect.flagged()).isTrue();
        assertThat(suspect.margin()).isCloseTo(0.05, org.assertj.core.api.Assertions.within(1e-12));
        // P(negative) 0.65 is below its threshold 0.7: unsure rather than contradicted
        assertThat(detector.judge(state, true, 0.35).flagged()).isFalse();
        assertThat(detector.judge(state, true, 0.85).flagged()).isFalse();
    }

    @Test
    void flaggedLabelPolicy() {
        java.util.List<Integer> examples = java.util.List.of(1, 2, 3, 4);
        assertThat(FlaggedLabelPolicy.EXCLUDE.filter(examples, e -> e % 2 == 0)).containsExactly(1, 3);
        assertThat(FlaggedLabelPolicy.KEEP.filter(examples, e -> e % 2 == 0)).containsExactly(1, 2, 3, 4);
        assertThat(FlaggedLabelPolicy.DOWN_WEIGHT.weight(true)).isEqualTo(0.5);
        assertThat(FlaggedLabelPolicy.fromSpec("down_weight")).isEqualTo(FlaggedLabelPolicy.DOWN_WEIGHT);
    }

    @Test
    void flaggedLabelPolicyOnTrainingExamplesSetsRealWeightsOrLeavesThemOut() {
        java.util.List<io.mlcycle.mlcore.train.Example> training = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            training.add(new io.mlcycle.mlcore.train.Example("e" + i, java.util.Map.of("x", i), i % 2 == 0, i));
        }
        java.util.function.Predicate<io.mlcycle.mlcore.train.Example> flagged = e -> e.eventId().equals("e1");

        FlaggedLabelPolicy.Applied keep = FlaggedLabelPolicy.KEEP.apply(training, flagged);
        FlaggedLabelPolicy.Applied down = FlaggedLabelPolicy.DOWN_WEIGHT.apply(training, flagged);
        FlaggedLabelPolicy.Applied exclude = FlaggedLabelPolicy.EXCLUDE.apply(training, flagged);

        assertThat(keep.examples()).isEqualTo(training);
        assertThat(down.examples()).extracting(io.mlcycle.mlcore.train.Example::weight)
                .containsExactly(1.0, 0.5, 1.0, 1.0);
        assertThat(exclude.examples()).extracting(io.mlcycle.mlcore.train.Example::eventId)
                .containsExactly("e0", "e2", "e3");
        assertThat(java.util.List.of(keep, down, exclude)).allSatisfy(applied -> {
            assertThat(applied.flagged()).isEqualTo(1);
            assertThat(applied.total()).isEqualTo(4);
        });
        assertThat(exclude.describe()).startsWith("1 of 4 training examples (25.0 %)").contains("left out");
        assertThat(FlaggedLabelPolicy.EXCLUDE.apply(training, e -> false).describe()).contains("nothing to do");
    }
}
