package io.mlcycle.mlcore.train;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Splits examples by time: the older part trains, the newest fraction is held out, as a model will always be used
 * on data newer than what it learnt from. Order: event time, then event id (so the split is deterministic).
 */
public final class TimeOrderedSplit {

    /** The two parts, each sorted by event time then event id. */
    public record Split(List<Example> training, List<Example> holdout) {
        public Split {
            training = List.copyOf(training);
            holdout = List.copyOf(holdout);
        }
    }

    public static final Comparator<Example> TIME_ORDER =
            Comparator.comparingLong(Example::eventTimeMillis).thenComparing(Example::eventId);

    private TimeOrderedSplit() {
    }

    /** The newest {@code maxExamples} examples (all of them if there are fewer), in time order. */
    public static List<Example> newest(List<Example> examples, int maxExamples) {
        if (maxExamples < 1) {
            throw new IllegalArgumentException("maxExamples must be at least 1, got " + maxExamples);
        }
        List<Example> sorted = new ArrayList<>(examples);
        sorted.sort(TIME_ORDER);
        return List.copyOf(sorted.subList(Math.max(0, sorted.size() - maxExamples), sorted.size()));
    }

    /**
     * @param holdoutFraction in (0, 1); the holdout gets round(n * fraction) examples, at least 1 and at most n - 1
     *                        when n >= 2
     */
    public static Split split(List<Example> examples, double holdoutFraction) {
        if (!(holdoutFraction > 0 && holdoutFraction < 1)) {
            throw new IllegalArgumentException("holdoutFraction must be between 0 and 1, got " + holdoutFraction);
        }
        List<Example> sorted = new ArrayList<>(examples);
        sorted.sort(TIME_ORDER);
        int n = sorted.size();
        if (n < 2) {
            return new Split(sorted, List.of());
        }
        int holdout = (int) Math.round(n * holdoutFraction);
        holdout = Math.max(1, Math.min(n - 1, holdout));
        return new Split(sorted.subList(0, n - holdout), sorted.subList(n - holdout, n));
    }
}
