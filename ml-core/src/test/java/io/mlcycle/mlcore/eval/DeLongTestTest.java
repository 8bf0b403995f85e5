package io.mlcycle.mlcore.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class DeLongTestTest {

    @Test
    void identicalScoresDifferByNothing() {
        boolean[] labels = {true, false, true, false, true, false};
        double[] scores = {0.9, 0.2, 0.6, 0.7, 0.4, 0.1};
        DeLongResult r = DeLongTest.compare(labels, scores, scores.clone());
        assertThat(r.difference()).isZero();
        assertThat(r.standardError()).isZero();
        assertThat(r.z()).isZero();
        assertThat(r.pValueOneSided()).isEqualTo(0.5);
        assertThat(r.pValueTwoSided()).isEqualTo(1.0);
    }

    @Test
    void handComputedAgainstAConstantBaseline() {
        // positives 0.9 and 0.4, negatives 0.8 and 0.1; V10 = [1, 0.5], V01 = [0.5, 1], AUC 0.75.
        // S10 = S01 = 0.125 (n - 1 denominator), var = 0.125/2 + 0.125/2 = 0.125; the constant has no variance.
        DeLongResult r = DeLongTest.compare(BinaryMetricsTest.LABELS, BinaryMetricsTest.SCORES,
                new double[] {0.5, 0.5, 0.5, 0.5});
        assertThat(r.aucA()).isEqualTo(0.75);
        assertThat(r.aucB()).isEqualTo(0.5);
        assertThat(r.difference()).isEqualTo(0.25);
        assertThat(r.standardError()).isCloseTo(Math.sqrt(0.125), within(1e-12));
        assertThat(r.z()).isCloseTo(0.7071068, within(1e-6));
        assertThat(r.pValueOneSided()).isCloseTo(0.2397501, within(1e-6)); // 1 - Phi(0.7071)
        assertThat(r.pValueTwoSided()).isCloseTo(0.4795001, within(1e-6));
    }

    @Test
    void matchesTheDefinitionOfTheStructuralComponents() {
        SplittableRandom random = new SplittableRandom(3);
        int size = 300;
        boolean[] labels = new boolean[size];
        double[] a = new double[size];
        double[] b = new double[size];
        for (int i = 0; i < size; i++) {
            labels[i] = random.nextDouble() < 0.4;
            double signal = labels[i] ? 1 : 0;
            a[i] = Math.round((signal + random.nextGaussian()) * 10) / 10.0; // rounded: many ties
            b[i] = Math.round((0.5 * signal + random.nextGaussian()) * 10) / 10.0;
        }
        DeLongResult fast = DeLongTest.compare(labels, a, b);
        double[] bruteForce = bruteForce(labels, a, b);
        assertThat(fast.aucA()).isCloseTo(bruteForce[0], within(1e-12));
        assertThat(fast.aucB()).isCloseTo(bruteForce[1], within(1e-12));
        assertThat(fast.standardError()).isCloseTo(bruteForce[2], within(1e-12));
        assertThat(fast.difference()).isPositive();
    }

    @Test
    void needsTwoOfEachClass() {
        assertThatThrownBy(() -> DeLongTest.compare(new boolean[] {true, false, false}, new double[3], new double[3]))
                .hasMessageContaining("at least 2 positive and 2 negative");
    }

    /** O(m n) textbook DeLong: psi(x, y) = 1 if x > y, 1/2 if equal, 0 otherwise. Returns aucA, aucB, se. */
    private static double[] bruteForce(boolean[] labels, double[] a, double[] b) {
        int m = 0;
        for (boolean l : labels) {
            m += l ? 1 : 0;
        }
        int n = labels.length - m;
        double[][] v10 = new double[2][m];
        double[][] v01 = new double[2][n];
        double[][] scores = {a, b};
        for (int k = 0; k < 2; k++) {
            int pi = 0;
            for (int i = 0; i < labels.length; i++) {
                if (!labels[i]) {
                    continue;
                }
                int ni = 0;
                for (int j = 0; j < labels.length; j++) {
                    if (labels[j]) {
                        continue;
                    }
                    double psi = scores[k][i] > scores[k][j] ? 1 : scores[k][i] == scores[k][j] ? 0.5 : 0;
                    v10[k][pi] += psi / n;
                    v01[k][ni] += psi / m;
                    ni++;
                }
                pi++;
            }
        }
        double aucA = mean(v10[0]);
        double aucB = mean(v10[1]);
        double s10 = cov(v10[0], v10[0]) + cov(v10[1], v10[1]) - 2 * cov(v10[0], v10[1]);
        double s01 = cov(v01[0], v01[0]) + cov(v01[1], v01[1]) - 2 * cov(v01[0], v01[1]);
        return new double[] {aucA, aucB, Math.sqrt(s10 / m + s01 / n)};
    }

    private static double mean(double[] x) {
        double s = 0;
        for (double v : x) {
            s += v;
        }
        return s / x.length;
    }

    private static double cov(double[] x, double[] y) {
        double mx = mean(x);
        double my = mean(y);
        double s = 0;
        for (int i = 0; i < x.length; i++) {
            s += (x[i] - mx) * (y[i] - my);
        }
        return s / (x.length - 1);
    }
}
