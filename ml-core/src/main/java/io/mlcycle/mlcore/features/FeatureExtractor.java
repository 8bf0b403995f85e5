package io.mlcycle.mlcore.features;

import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * Pulls the feature values out of a data record: a map in feature order whose values are Integer, Long, Double,
 * Boolean, String or null (Avro's Utf8 becomes String). Immutable and thread-safe.
 */
public final class FeatureExtractor {
    private final List<FieldSpec> features;

    public FeatureExtractor(PipelineSpec spec) {
        this.features = spec.features();
    }

    /** The feature map of a record; fields absent from the record's schema are null. The map is unmodifiable. */
    public Map<String, Object> features(GenericRecord record) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (FieldSpec field : features) {
            Object value = record.getSchema().getField(field.name()) == null ? null : record.get(field.name());
            if (value instanceof Utf8 || value instanceof CharSequence) {
                value = value.toString();
            }
            out.put(field.name(), value);
        }
        return Collections.unmodifiableMap(out);
    }
}
