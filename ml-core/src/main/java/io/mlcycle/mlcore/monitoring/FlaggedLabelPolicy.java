package io.mlcycle.mlcore.monitoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * What training does with examples whose label the {@link LabelNoiseDetector} flagged (spec key
 * {@code monitoring.flagged_labels}): keep them as they are, down-weight them, or exclude them.
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
