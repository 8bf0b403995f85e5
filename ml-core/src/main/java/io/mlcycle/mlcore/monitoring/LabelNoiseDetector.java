package io.mlcycle.mlcore.monitoring;

import java.util.Objects;

/**
 * Confident learning (Northcutt et al., the method behind cleanlab) applied at feedback time. The prediction logged
 * before an outcome arrived is an out-of-sample probability, so no cross-validation is needed: per class j the
 * threshold t_j is the mean predicted probability of class j over outcomes labelled j so far; an outcome labelled y
 * is flagged as a suspect label when its self-confidence P(y) is below t_y while the other class's probability is at
 * or above its own threshold. The margin is how far the other class's probability is above its threshold.
 *
 * <p>Binary: class 1 is the positive class with probability {@code score}, class 0 has {@code 1 - score}. The outcome
 * is judged with the thresholds of the outcomes before it and then added to them, so the result is the same online
 * and on a replay. No outcome is flagged before each class has {@code minPerClass} outcomes.
 *
 * <p>Immutable state ({@link State}) so a stream processor can keep it in a state store; the detector is stateless.
 */
public final class LabelNoiseDetector {

    /** Running sums per class: count and sum of the predicted probability of that class. */
    public record State(long negatives, double negativeProbabilitySum, long positives, double positiveProbabilitySum) {
        public static final State EMPTY = new State(0, 0, 0, 0);

        /** t_0: the mean P(negative) over outcomes labelled negative (NaN before any). */
        public double negativeThreshold() {
            return negatives == 0 ? Double.NaN : negativeProbabilitySum / negatives;
        }

        /** t_1: the mean P(positive) over outcomes labelled positive (NaN before any). */
        public double positiveThreshold() {
            return positives == 0 ? Double.NaN : positiveProbabilitySum / positives;
        }

        State add(boolean label, double score) {
            return label ? new State(negatives, negativeProbabilitySum, positives + 1, positiveProbabilitySum + score)
                    : new State(negatives + 1, negativeProbabilitySum + (1 - score), positives, positiveProbabilitySum);
        }
    }

    /**
     * The verdict on one outcome.
     *
     * @param flagged        the label is suspect
     * @param selfConfidence the predicted probability of the given label
     * @param ownThreshold   the threshold of the given label's class (NaN while warming up)
     * @param otherThreshold the threshold of the other class (NaN while warming up)
     * @param margin         P(other class) minus its threshold (positive when the other class is confident)
     * @param next           the state with this outcome added
     */
    public record Verdict(boolean flagged, double selfConfidence, double ownThreshold, double otherThreshold,
                          double margin, State next) {
    }

    private final long minPerClass;

    public LabelNoiseDetector(long minPerClass) {
        if (minPerClass < 1) {
            throw new IllegalArgumentException("minPerClass must be at least 1, got " + minPerClass);
        }
        this.minPerClass = minPerClass;
    }

    /** Judges the outcome {@code label} of a prediction with positive-class probability {@code score}. */
    public Verdict judge(State state, boolean label, double score) {
        Objects.requireNonNull(state, "state");
        if (!(score >= 0 && score <= 1)) {
            throw new IllegalArgumentException("score must be a probability in [0, 1], got " + score);
        }
        State next = state.add(label, score);
        double self = label ? score : 1 - score;
        double other = 1 - self;
        if (state.negatives() < minPerClass || state.positives() < minPerClass) {
            return new Verdict(false, self, Double.NaN, Double.NaN, Double.NaN, next);
        }
        double own = label ? state.positiveThreshold() : state.negativeThreshold();
        double otherThreshold = label ? state.negativeThreshold() : state.positiveThreshold();
        boolean flagged = self < own && other >= otherThreshold;
        return new Verdict(flagged, self, own, otherThreshold, other - otherThreshold, next);
    }
}
