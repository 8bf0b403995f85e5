package io.mlcycle.mlcore.monitoring;

import io.mlcycle.mlcore.train.Example;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What training does with examples whose label the {@link LabelNoiseDetector} flagged (spec key
 * {@code monitoring.flagged_labels}): keep them as they are, down-weight them (a real sample weight of
 * {@value #DOWN_WEIGHT_FACTOR} in the trainer's loss, {@link Example#weight()}), or exclude them. Applied to the
 * training part only: the holdout keeps every observed outcome, so the gates and the calibration judge a candidate on
 * the same labels whatever the policy (leaving out the labels the model disagrees with would flatter its metrics).
 */
public enum FlaggedLabelPolicy {
    KEEP, DOWN_WEIGHT, EXCLUDE;

    /** The weight a flagged example gets under {@link #DOWN_WEIGHT}. */
    public static final double DOWN_WEIGHT_FACTOR = 0.5;

    /** The spec's spelling: keep, down_weight, exclude. */
    public String specName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static FlaggedLabelPolicy fromSpec(String text) {
        for (FlaggedLabelPolicy policy : values()) {
            if (policy.specName().equals(text)) {
                return policy;
            }
        }
        throw new IllegalArgumentException("'" + text + "' is not one of keep, down_weight, exclude");
    }

    /** The training weight of an example (1 when not flagged). */
    public double weight(boolean flagged) {
        if (!flagged) {
            return 1;
        }
        return switch (this) {
            case KEEP -> 1;
            case DOWN_WEIGHT -> DOWN_WEIGHT_FACTOR;
            case EXCLUDE -> 0;
        };
    }

    /**
     * What a policy did to a training set.
     *
     * @param examples the examples to train on (flagged ones left out or down-weighted as the policy says)
     * @param policy   the policy applied
     * @param total    examples before the policy
     * @param flagged  of which were flagged
     */
    public record Applied(List<Example> examples, FlaggedLabelPolicy policy, int total, int flagged) {
        public Applied {
            examples = List.copyOf(examples);
        }

        /** One line for a gate report: how many were flagged and what was done with them. */
        public String describe() {
            String share = total == 0 ? "" : String.format(Locale.ROOT, " (%.1f %%)", 100.0 * flagged / total);
            String done = switch (policy) {
                case KEEP -> "kept with full weight (monitoring.flagged_labels: keep)";
                case DOWN_WEIGHT -> String.format(Locale.ROOT, "kept with weight %.1f (monitoring.flagged_labels:"
                        + " down_weight)", DOWN_WEIGHT_FACTOR);
                case EXCLUDE -> "left out of training (monitoring.flagged_labels: exclude)";
            };
            return flagged + " of " + total + " training examples" + share + " had a label flagged as suspect at"
                    + " feedback time; " + (flagged == 0 ? "nothing to do" : done) + "; the holdout keeps every label";
        }
    }

    /** Applies the policy to a training set; {@code flagged} says whether an example's label was flagged. */
    public Applied apply(List<Example> training, Predicate<Example> flagged) {
        List<Example> out = new ArrayList<>(training.size());
        int count = 0;
        for (Example example : training) {
            if (!flagged.test(example)) {
                out.add(example);
                continue;
            }
            count++;
            switch (this) {
                case KEEP -> out.add(example);
                case DOWN_WEIGHT -> out.add(example.withWeight(example.weight() * DOWN_WEIGHT_FACTOR));
                case EXCLUDE -> { }
            }
        }
        return new Applied(out, this, training.size(), count);
    }

    /** The examples training uses: all but the flagged ones under {@link #EXCLUDE}. */
    public <T> List<T> filter(List<T> examples, Predicate<T> flagged) {
        if (this != EXCLUDE) {
            return examples;
        }
        List<T> kept = new ArrayList<>(examples.size());
        for (T example : examples) {
            if (!flagged.test(example)) {
                kept.add(example);
            }
        }
        return kept;
    }
}
