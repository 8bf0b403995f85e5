package io.mlcycle.mlcore.features;

import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.util.AbstractMap;
import java.util.AbstractSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;

/**
 * Pulls the feature values out of a data record: a map in feature order whose values are Integer, Long, Double,
 * Boolean, String or null (Avro's Utf8 becomes String). Thread-safe (it only remembers the last schema's field positions).
 */
public final class FeatureExtractor {
    private final List<FieldSpec> features;

    /** Feature name to its position in {@link #features}, shared by every row. */
    private final Map<String, Integer> positionByName;
    private final String[] names;

    public FeatureExtractor(PipelineSpec spec) {
        this.features = List.copyOf(spec.features());
        this.names = features.stream().map(FieldSpec::name).toArray(String[]::new);
        Map<String, Integer> byName = new HashMap<>();
        for (int i = 0; i < names.length; i++) {
            byName.putIfAbsent(names[i], i);
        }
        this.positionByName = Map.copyOf(byName);
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

    /**
     * The feature map of a record; fields absent from the record's schema are null. The map is unmodifiable. It is an
     * array of values over the extractor's shared names (validation builds one per record, and a hash map per record
     * was a measurable share of its per-record cost).
     */
    public Map<String, Object> features(GenericRecord record) {
        Object[] values = new Object[names.length];
        int[] positions = positions(record.getSchema());
        for (int i = 0; i < values.length; i++) {
            Object value = positions[i] < 0 ? null : record.get(positions[i]);
            if (value instanceof Utf8 || value instanceof CharSequence) {
                value = value.toString();
            }
            values[i] = value;
        }
        return new Row(values);
    }

    /** An unmodifiable map in feature order over {@link #names}; values may be null. */
    private final class Row extends AbstractMap<String, Object> {
        private final Object[] values;

        Row(Object[] values) {
            this.values = values;
        }

        @Override
        public Object get(Object key) {
            // Map.copyOf refuses null keys; a map answers get(null) with null
            Integer position = key == null ? null : positionByName.get(key);
            return position == null ? null : values[position];
        }

        @Override
        public boolean containsKey(Object key) {
            return key != null && positionByName.containsKey(key);
        }

        @Override
        public int size() {
            return values.length;
        }

        @Override
        public Set<Entry<String, Object>> entrySet() {
            return new AbstractSet<>() {
                @Override
                public Iterator<Entry<String, Object>> iterator() {
                    return new Iterator<>() {
                        private int next;

                        @Override
                        public boolean hasNext() {
                            return next < values.length;
                        }

                        @Override
                        public Entry<String, Object> next() {
                            if (next >= values.length) {
                                throw new NoSuchElementException();
                            }
                            Entry<String, Object> entry = new SimpleImmutableEntry<>(names[next], values[next]);
                            next++;
                            return entry;
                        }
                    };
                }

                @Override
                public int size() {
                    return values.length;
                }
            };
        }
    }
}
