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
 */
public record Example(String eventId, Map<String, Object> features, boolean label, long eventTimeMillis) {
    public Example {
        Objects.requireNonNull(eventId, "eventId");
        Objects.requireNonNull(features, "features");
        // Map.copyOf rejects null values, and missing feature values are legitimately null
        features = Collections.unmodifiableMap(new LinkedHashMap<>(features));
    }
}
