package io.mlcycle.mlcore.model;

import java.util.Map;

/** Scores one record's features: the probability of the positive class. Implementations are thread-safe. */
public interface Scorer {

    /**
     * @param features feature name to value (Integer, Long, Double, Boolean, String or null); missing keys are
     *                 treated as missing values
     * @return P(positive) in [0, 1]
     * @throws IllegalArgumentException when a value has the wrong Java type for its feature
     */
    double score(Map<String, Object> features);
}
