package io.mlcycle.mlcore.spec;

/**
 * The online part of the {@code promotion} section: how a canary is given traffic and decided on online evidence
 * (serving's sequential test on the paired Brier-score difference between canary and champion).
 *
 * @param fraction   {@code promotion.canary_fraction}: share of entities (by a deterministic hash of the entity key)
 *                   whose requests the canary answers
 * @param minLabeled {@code promotion.min_labeled}: labeled paired outcomes needed before a canary may be promoted
 * @param alpha      {@code promotion.canary_alpha}: error rate of each sequential decision, valid under continuous
 *                   monitoring (a promotion or a rollback is wrongly taken with probability at most alpha)
 * @param margin     {@code promotion.canary_margin}: how much worse (in mean Brier score) the canary may be and still
 *                   count as "no worse"
 */
public record CanarySpec(double fraction, long minLabeled, double alpha, double margin) {
    public static final double DEFAULT_FRACTION = 0.1;
    public static final long DEFAULT_MIN_LABELED = 200;
    public static final double DEFAULT_ALPHA = 0.05;
    public static final double DEFAULT_MARGIN = 0.01;

    public static CanarySpec defaults() {
        return new CanarySpec(DEFAULT_FRACTION, DEFAULT_MIN_LABELED, DEFAULT_ALPHA, DEFAULT_MARGIN);
    }
}
