package io.mlcycle.mlcore.online;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import java.util.function.DoubleSupplier;
import org.junit.jupiter.api.Test;

class SequentialPairedTestTest {
    private static final double ALPHA = 0.05;
    private static final double MARGIN = 0.01;
    private static final int RUNS = 500;
    private static final int LOOKS = 2000;

    /** Brier score difference of two models on one outcome; both draw their scores the same way (A/A). */
    private static DoubleSupplier pairedBrier(SplittableRandom random, double canaryNoise, double championNoise) {
        return () -> {
            boolean positive = random.nextDouble() < 0.3;
            double signal = positive ? 0.65 : 0.35;
            double canary = clamp(signal + canaryNoise * (random.nextDouble() - 0.5));
            double champion = clamp(signal + championNoise * (random.nextDouble() - 0.5));
            double y = positive ? 1 : 0;
            return (canary - y) * (canary - y) - (champion - y) * (champion - y);
        };
    }

    private static double clamp(double s) {
        return Math.max(0, Math.min(1, s));
    }

    /** Runs the test looking after every observation; returns the first n at which {@code worse} decides, or -1. */
    private static long firstRejection(DoubleSupplier data, boolean worse) {
        SequentialPairedTest test = SequentialPairedTest.start(MARGIN);
        for (int i = 0; i < LOOKS; i++) {
            test = test.update(data.getAsDouble());
            if (worse ? test.significantlyWorse(ALPHA) : test.significantlyNoWorse(ALPHA)) {
                return test.n();
            }
        }
        return -1;
    }

    @Test
    void aaTrafficRaisesAFalseRollbackAtMostAlphaOfTheTimeDespiteLookingAfterEveryOutcome() {
        SplittableRandom random = new SplittableRandom(20_251_201L);
        int rejected = 0;
        for (int run = 0; run < RUNS; run++) {
            if (firstRejection(pairedBrier(random.split(), 0.4, 0.4), true) >= 0) {
                rejected++;
            }
        }
        assertThat((double) rejected / RUNS).as("false rollbacks in %d A/A runs", RUNS).isLessThanOrEqualTo(ALPHA);
    }

    @Test
    void aCanaryWorseByExactlyTheMarginIsWronglyPromotedAtMostAlphaOfTheTime() {
        SplittableRandom random = new SplittableRandom(7L);
        int rejected = 0;
        for (int run = 0; run < RUNS; run++) {
            SplittableRandom r = random.split();
            if (firstRejection(() -> MARGIN + (r.nextDouble() - 0.5), false) >= 0) {
                rejected++;
            }
        }
        assertThat((double) rejected / RUNS).isLessThanOrEqualTo(ALPHA);
    }

    @Test
    void aClearlyWorseCanaryIsRolledBackAndABetterOneIsFoundNoWorse() {
        SplittableRandom random = new SplittableRandom(11L);
        long worseAt = firstRejection(pairedBrier(random.split(), 1.0, 0.2), true);
        long betterAt = firstRejection(pairedBrier(random.split(), 0.2, 0.6), false);

        assertThat(worseAt).isBetween(1L, (long) LOOKS);
        assertThat(betterAt).isBetween(1L, (long) LOOKS);
        SequentialPairedTest better = SequentialPairedTest.start(MARGIN);
        DoubleSupplier data = pairedBrier(random.split(), 0.2, 0.6);
        for (int i = 0; i < 1000; i++) {
            better = better.update(data.getAsDouble());
        }
        assertThat(better.significantlyWorse(ALPHA)).isFalse();
        assertThat(better.pNoWorse()).isLessThan(ALPHA);
    }

    @Test
    void roundTripsThroughBytes() {
        SequentialPairedTest test = SequentialPairedTest.start(MARGIN).update(0.2).update(-0.1).update(0.05);

        assertThat(SequentialPairedTest.fromBytes(test.toBytes())).isEqualTo(test);
        assertThat(test.n()).isEqualTo(3);
        assertThat(test.mean()).isCloseTo(0.05, org.assertj.core.data.Offset.offset(1e-12));
    }
}
