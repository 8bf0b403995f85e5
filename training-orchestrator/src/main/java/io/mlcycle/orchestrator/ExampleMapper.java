package io.mlcycle.orchestrator;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.mlcore.train.Example;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Maps a {@link LabeledExample} record of {@code <p>.examples.labeled} to ml-core's {@link Example}: its feature
 * values as plain Java values (Avro text becomes {@link String}), its positive flag and its event time.
 */
public final class ExampleMapper {

    private ExampleMapper() {
    }

    public static Example toExample(LabeledExample labeled) {
        return new Example(labeled.getEventId(), features(labeled.getFeatures()), labeled.getPositive(),
                labeled.getEventTime().toEpochMilli());
    }

    /** Feature values as Integer, Long, Double, Boolean, String or null. */
    public static Map<String, Object> features(Map<? extends CharSequence, Object> avroFeatures) {
        Map<String, Object> features = new LinkedHashMap<>();
        if (avroFeatures != null) {
            avroFeatures.forEach((name, value) -> features.put(name.toString(), plain(value)));
        }
        return features;
    }

    private static Object plain(Object value) {
        if (value instanceof CharSequence text) {
            return text.toString();
        }
        if (value instanceof Float f) {
            return f.doubleValue();
        }
        return value;
    }
}
