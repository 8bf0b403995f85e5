package io.mlcycle.mlcore.features;

import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * Pulls the feature values out of a data record: a map in feature order whose values are Integer, Long, Double,
 * Boolean, String or null (Avro's Utf8 becomes String). Thread-safe (it only remembers the last schema's field positions).
 */
public final class FeatureExtractor {
    private final List<FieldSpec> features;

    public FeatureExtractor(PipelineSpec spec) {
        this.features = List.copyOf(spec.features());
    }

    /** The schema seen last and where each feature sits in it (-1: absent); records of a stream share a schema. */
    private record Layout(Schema schema, int[] positions) {
    }

    private volatile Layout last;

    private int[] positions(Schema schema) {
        Layout layout = last;
        if (layout == null || layout.schema() != schema) {
            int[] positions = new int[features.size()];
            for (int i = 0; i < positions.length; i++) {
                Schema.Field field = schema.getField(features.get(i).name());
                positions[i] = field == null ? -1 : field.pos();
            }
            layout = new Layout(schema, positions);
            last = layout;
        }
        return layout.positions();
    }

    /** The feature map of a record; fields absent from the record's schema are null. The map is unmodifiable. */
    public Map<String, Object> features(GenericRecord record) {
        Map<String, Object> out = new LinkedHashMap<>();
        int[] positions = positions(record.getSchema());
        for (int i = 0; i < features.size(); i++) {
            FieldSpec field = features.get(i);
            Object value = positions[i] < 0 ? null : record.get(positions[i]);
            if (value instanceof Utf8 || value instanceof CharSequence) {
                value = value.toString();
            }
            out.put(field.name(), value);
        }
        return Collections.unmodifiableMap(out);
    }
}
