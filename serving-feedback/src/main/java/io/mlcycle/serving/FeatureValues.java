package io.mlcycle.serving;

import java.time.Instant;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Brings feature values to the types the Avro feature maps of {@code Prediction} and {@code LabeledExample} accept
 * (null, Boolean, Integer, Long, Double, String): Avro's Utf8 becomes String, Float becomes Double, timestamps
 * become epoch millis.
 */
final class FeatureValues {
    private FeatureValues() {
    }

    static Map<String, Object> normalise(Map<?, ?> features) {
        if (features == null || features.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> out = new LinkedHashMap<>();
        features.forEach((name, value) -> out.put(String.valueOf(name), value(value)));
        return Collections.unmodifiableMap(out);
    }

    static Object value(Object value) {
        if (value == null || value instanceof Boolean || value instanceof Integer || value instanceof Long
                || value instanceof Double || value instanceof String) {
            return value;
        }
        if (value instanceof CharSequence text) {
            return text.toString();
        }
        if (value instanceof Float || value instanceof java.math.BigDecimal) {
            return ((Number) value).doubleValue();
        }
        if (value instanceof Short || value instanceof Byte) {
            return ((Number) value).intValue();
        }
        if (value instanceof Instant instant) {
            return instant.toEpochMilli();
        }
        return value.toString();
    }
}
