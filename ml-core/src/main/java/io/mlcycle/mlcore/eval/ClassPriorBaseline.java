package io.mlcycle.mlcore.eval;

import io.mlcycle.mlcore.model.Scorer;
import io.mlcycle.mlcore.train.Example;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * The simplest honest baseline: always predict the training positive rate. A model that cannot beat it has learnt
 * nothing usable. Immutable and thread-safe.
 */
public final class ClassPriorBaseline implements Scorer {
    public static final String NAME = "class_prior";

    private final double positiveRate;

    public ClassPriorBaseline(double positiveRate) {
        if (!(positiveRate >= 0 && positiveRate <= 1)) {
            throw new IllegalArgumentException("positive rate must be in [0, 1], got " + positiveRate);
        }
        this.positiveRate = positiveRate;
    }

    /** Fits on the training set (never the holdout). */
    public static ClassPriorBaseline fit(List<Example> trainingSet) {
        if (trainingSet.isEmpty()) {
            throw new IllegalArgumentException("the training set is empty");
        }
        return new ClassPriorBaseline((double) trainingSet.stream().filter(Example::label).count() / trainingSet.size());
    }

    public double positiveRate() {
        return positiveRate;
    }

    @Override
    public double score(Map<String, Object> features) {
        return positiveRate;
    }

    /** n copies of the constant score, aligned with a holdout of size n. */
    public double[] scores(int n) {
        double[] scores = new double[n];
        Arrays.fill(scores, positiveRate);
        return scores;
    }
}
