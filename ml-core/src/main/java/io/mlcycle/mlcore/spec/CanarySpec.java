package io.mlcycle.mlcore.spec;

import io.mlcycle.avro.Stage;
import java.time.Duration;
import java.util.Objects;

/**
 * The online part of the {@code promotion} section: the promotion policy, its stages, how a canary is given traffic
 * and how challengers are decided on online evidence (serving's sequential test on the paired Brier-score difference
 * between challenger and champion). Read by {@code PromotionStagesReader}; defaults in README ("The pipeline spec").
 *
 * @param fraction   {@code promotion.stages.canary.fraction} (or {@code promotion.canary_fraction}): share of
 *                   entities (by a deterministic hash of the entity key) whose requests the canary answers
 * @param minLabeled {@code ...canary.min_labeled}: labeled paired outcomes needed before a challenger may become
 *                   champion
 * @param alpha      {@code ...canary.alpha}: error rate of each sequential decision, valid under continuous
 *                   monitoring (a promotion or a rollback is wrongly taken with probability at most alpha)
 * @param margin     {@code ...canary.margin}: how much worse (in mean Brier score) a challenger may be and still
 *                   count as "no worse"
 * @param policy     {@code promotion.policy}: DIRECT (a version passing the offline gates becomes champion) or
 *                   STAGED (it becomes a challenger; online evidence promotes or rolls it back)
 * @param shadow     the shadow stage of a staged policy ({@code promotion.stages.shadow}), or null when there is none
 * @param canaryStage whether a staged policy has a canary stage
 * @param maxTestDuration {@code promotion.max_test_duration}: how long a SHADOW or CANARY challenger may stay under
 *                   online test without a decision before the orchestrator withdraws it (RETIRED), so that a test
 *                   that never gets enough outcomes does not hold back retraining for ever
 */
public record CanarySpec(double fraction, long minLabeled, double alpha, double margin, Policy policy,
                         ShadowStage shadow, boolean canaryStage, Duration maxTestDuration) {
    public static final double DEFAULT_FRACTION = 0.1;
    public static final long DEFAULT_MIN_LABELED = 200;
    public static final double DEFAULT_ALPHA = 0.05;
    public static final double DEFAULT_MARGIN = 0.01;
    public static final long DEFAULT_SHADOW_MIN_PREDICTIONS = 200;
    public static final Duration DEFAULT_MAX_TEST_DURATION = Duration.ofDays(14);

    /** {@code promotion.policy}. */
    public enum Policy { DIRECT, STAGED }

    /**
     * The shadow stage: the challenger scores all traffic, never answers; it moves on once it has made
     * {@code minPredictions} predictions over at least {@code duration} of event time without being significantly
     * worse than the champion.
     */
    public record ShadowStage(long minPredictions, Duration duration) {
        public ShadowStage {
            Objects.requireNonNull(duration, "duration");
            if (minPredictions < 0 || duration.isNegative()) {
                throw new IllegalArgumentException("shadow stage needs non-negative bounds");
            }
        }
    }

    public CanarySpec {
        Objects.requireNonNull(policy, "policy");
        Objects.requireNonNull(maxTestDuration, "maxTestDuration");
        if (maxTestDuration.isNegative() || maxTestDuration.isZero()) {
            throw new IllegalArgumentException("max_test_duration must be positive, got " + maxTestDuration);
        }
        if (policy == Policy.STAGED && shadow == null && !canaryStage) {
            throw new IllegalArgumentException("a staged policy needs a shadow or a canary stage");
        }
    }

    /** These settings with the default maximum test duration. */
    public CanarySpec(double fraction, long minLabeled, double alpha, double margin, Policy policy,
                      ShadowStage shadow, boolean canaryStage) {
        this(fraction, minLabeled, alpha, margin, policy, shadow, canaryStage, DEFAULT_MAX_TEST_DURATION);
    }

    /** The direct policy with these canary settings (canaries written to the registry by hand still obey them). */
    public CanarySpec(double fraction, long minLabeled, double alpha, double margin) {
        this(fraction, minLabeled, alpha, margin, Policy.DIRECT, null, false);
    }

    public static CanarySpec defaults() {
        return new CanarySpec(DEFAULT_FRACTION, DEFAULT_MIN_LABELED, DEFAULT_ALPHA, DEFAULT_MARGIN);
    }

    /** These settings under the staged policy with the given stages (tests and tools). */
    public CanarySpec staged(ShadowStage shadowStage, boolean withCanary) {
        return new CanarySpec(fraction, minLabeled, alpha, margin, Policy.STAGED, shadowStage, withCanary,
                maxTestDuration);
    }

    /** These settings with another maximum test duration (tests and tools). */
    public CanarySpec withMaxTestDuration(Duration duration) {
        return new CanarySpec(fraction, minLabeled, alpha, margin, policy, shadow, canaryStage, duration);
    }

    public boolean staged() {
        return policy == Policy.STAGED;
    }

    /**
     * The stage a version that passed every offline gate enters when a champion exists: CHAMPION under the direct
     * policy, else the first stage (SHADOW, or CANARY when there is no shadow stage). The first version of a
     * pipeline has nothing to be compared with online and always becomes champion.
     */
    public Stage entryStage() {
        if (policy == Policy.DIRECT) {
            return Stage.CHAMPION;
        }
        return shadow != null ? Stage.SHADOW : Stage.CANARY;
    }

    /** The stage after {@code stage} when online evidence promotes it: SHADOW → CANARY (if any) → CHAMPION. */
    public Stage nextStage(Stage stage) {
        if (stage == Stage.SHADOW && canaryStage) {
            return Stage.CANARY;
        }
        return Stage.CHAMPION;
    }
}
