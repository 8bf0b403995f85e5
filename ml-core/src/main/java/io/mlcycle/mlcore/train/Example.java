package io.mlcycle.mlcore.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * One labeled training example.
 *
 * @param eventId         the event's id (tie-breaker for time ordering, lineage)
 * @param features        feature values (Integer, Long, Double, Boolean, String or null)
 * @param label           true for the positive class
 * @param eventTimeMillis event time, epoch milliseconds
 * @param weight          the example's weight in training (1 normally; less for a label suspected to be wrong, see
 *                        {@code FlaggedLabelPolicy}); the trainers multiply it into their loss
 */
public record Example(String eventId, Map<String, Object> features, boolean label, long eventTimeMillis,
                      double weight) {
    public Example {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(features, "features");
        if (!(weight > 0) || !Double.isFinite(weight)) {
            throw new IllegalArgumentException("weight must be positive and finite, got " + weight);
        }
        // Map.copyOf rejects null values, and missing feature values are legitimately null
        features = Collections.unmodifiableMap(new LinkedHashMap<>(features));
    }

    /** An example of weight 1. */
    public Example(String eventId, Map<String, Object> features, boolean label, long eventTimeMillis) {
        this(eventId, features, label, eventTimeMillis, 1.0);
    }

    /** The same example with another weight. */
    public Example withWeight(double newWeight) {
        return new Example(eventId, features, label, eventTimeMillis, newWeight);
    }
}
