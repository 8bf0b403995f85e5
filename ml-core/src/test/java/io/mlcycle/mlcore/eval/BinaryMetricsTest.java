package io.mlcycle.mlcore.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Map;
import org.junit.jupiter.api.Test;

class BinaryMetricsTest {
    // positives score 0.9 and 0.4, negatives 0.8 and 0.1
    static final boolean[] LABELS = {true, false, true, false};
    static final double[] SCORES = {0.9, 0.8, 0.4, 0.1};

    @Test
    void handComputedTinyExample() {
        BinaryMetrics m = BinaryMetrics.compute(LABELS, SCORES, 0.5);
        // pairs (pos, neg): 0.9>0.8, 0.9>0.1, 0.4<0.8, 0.4>0.1 -> 3 of 4
        assertThat(m.rocAuc()).isEqualTo(0.75);
        // ranked: 0.9 (pos: P=1, R=1/2), 0.8 (neg), 0.4 (pos: P=2/3, R=1) -> 1/2 * 1 + 1/2 * 2/3
        assertThat(m.prAuc()).isCloseTo(5.0 / 6, within(1e-12));
        // -(ln 0.9 + ln 0.2 + ln 0.4 + ln 0.9) / 4
        assertThat(m.logLoss()).isCloseTo(0.684112, within(1e-6));
        // (0.01 + 0.64 + 0.36 + 0.01) / 4
        assertThat(m.brier()).isCloseTo(0.255, within(1e-12));
        // predictions at 0.5: T T F F vs labels T F T F
        assertThat(m.accuracy()).isEqualTo(0.5);
        // one score per bin: (|0.9-1| + |0.8-0| + |0.4-1| + |0.1-0|) / 4
        assertThat(m.expectedCalibrationError()).isCloseTo(0.4, within(1e-12));
        assertThat(m.positiveRate()).isEqualTo(0.5);
        assertThat(m.n()).isEqualTo(4);
    }

    @Test
    void tiesCountHalfAndPerfectRankingIsOne() {
        assertThat(BinaryMetrics.rocAuc(new boolean[] {true, false}, new double[] {0.5, 0.5})).isEqualTo(0.5);
        assertThat(BinaryMetrics.rocAuc(new boolean[] {true, true, false}, new double[] {0.7, 0.3, 0.3}))
                .isEqualTo(0.75);
        assertThat(BinaryMetrics.rocAuc(new boolean[] {false, true}, new double[] {0.1, 0.2})).isEqualTo(1.0);
        assertThat(BinaryMetrics.rocAuc(new boolean[] {true, true}, new double[] {0.1, 0.2})).isNaN();
    }

    @Test
    void logLossIsFiniteForCertainWrongAnswers() {
        BinaryMetrics m = BinaryMetrics.compute(new boolean[] {true}, new double[] {0.0}, 0.5);
        assertThat(m.logLoss()).isCloseTo(-Math.log(1e-15), within(1e-9));
    }

    @Test
    void mapUsesSnakeCaseKeys() {
        Map<String, Double> map = BinaryMetrics.compute(LABELS, SCORES, 0.5).toMap();
        assertThat(map).containsOnlyKeys("roc_auc", "pr_auc", "log_loss", "brier", "accuracy", "ece", "positive_rate", "n");
        assertThat(map.get("roc_auc")).isEqualTo(0.75);
        assertThat(map.get("n")).isEqualTo(4.0);
    }

    @Test
    void rejectsMismatchedOrNaNInput() {
        assertThatThrownBy(() -> BinaryMetrics.compute(new boolean[] {true}, new double[] {0.1, 0.2}, 0.5))
                .hasMessage("labels and scores differ in length: 1 vs 2");
        assertThatThrownBy(() -> BinaryMetrics.compute(new boolean[] {true}, new double[] {Double.NaN}, 0.5))
                .hasMessage("score 0 is NaN");
    }
}
