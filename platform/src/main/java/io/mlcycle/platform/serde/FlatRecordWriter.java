package io.mlcycle.platform.serde;

import java.io.IOException;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.Encoder;

/**
 * Writes records whose fields are all {@code ["null", primitive]} unions (the pipelines' data records) without
 * Avro's per-field union resolution: the bytes are exactly {@link GenericDatumWriter}'s. A record holding a value
 * of another Java type than the one Avro's generic writer resolves for its field is handed to that writer whole
 * (checked before anything is written), so its behaviour, errors included, is unchanged.
 */
final class FlatRecordWriter implements DatumWriter<Object> {

    private enum Kind { STRING, INT, LONG, DOUBLE, FLOAT, BOOLEAN }

    private final Kind[] kinds;
    private final GenericDatumWriter<Object> general;

    private FlatRecordWriter(Kind[] kinds, Schema schema) {
        this.kinds = kinds;
        this.general = new GenericDatumWriter<>(schema);
    }

    /** The writer for {@code schema}, or null when its fields are not all {@code ["null", primitive]} unions. */
    static FlatRecordWriter of(Schema schema) {
        if (schema.getType() != Schema.Type.RECORD) {
            return null;
        }
        List<Schema.Field> fields = schema.getFields();
        Kind[] kinds = new Kind[fields.size()];
        for (int i = 0; i < kinds.length; i++) {
            Schema type = fields.get(i).schema();
            if (type.getType() != Schema.Type.UNION || type.getTypes().size() != 2
                    || type.getTypes().get(0).getType() != Schema.Type.NULL) {
                return null;
            }
            Schema value = type.getTypes().get(1);
            if (value.getLogicalType() != null && !"timestamp-millis".equals(value.getLogicalType().getName())) {
                return null;
            }
            kinds[i] = switch (value.getType()) {
                case STRING -> value.getProp("avro.java.string") == null ? Kind.STRING : null;
                case INT -> Kind.INT;
                case LONG -> Kind.LONG;
                case DOUBLE -> Kind.DOUBLE;
                case FLOAT -> Kind.FLOAT;
                case BOOLEAN -> Kind.BOOLEAN;
                default -> null;
            };
            if (kinds[i] == null) {
                return null;
            }
        }
        return new FlatRecordWriter(kinds, schema);
    }

    @Override
    public void setSchema(Schema schema) {
        throw new UnsupportedOperationException("a FlatRecordWriter is made for one schema");
    }

    @Override
    public void write(Object datum, Encoder out) throws IOException {
        if (!(datum instanceof IndexedRecord record) || !fits(record)) {
            general.write(datum, out);
            return;
        }
        for (int i = 0; i < kinds.length; i++) {
            Object value = record.get(i);
            if (value == null) {
                out.writeIndex(0);
                continue;
            }
            out.writeIndex(1);
            switch (kinds[i]) {
                case STRING -> out.writeString((CharSequence) value);
                case INT -> out.writeInt((Integer) value);
                case LONG -> out.writeLong((Long) value);
                case DOUBLE -> out.writeDouble((Double) value);
                case FLOAT -> out.writeFloat((Float) value);
                case BOOLEAN -> out.writeBoolean((Boolean) value);
                default -> throw new IllegalStateException("unreachable");
            }
        }
    }

    /** Whether every value is null or of the exact Java type Avro's generic writer resolves to the field's branch. */
    private boolean fits(IndexedRecord record) {
        if (record.getSchema().getFields().size() != kinds.length) {
            return false;
        }
        for (int i = 0; i < kinds.length; i++) {
            Object value = record.get(i);
            if (value == null) {
                continue;
            }
            boolean ok = switch (kinds[i]) {
                case STRING -> value instanceof String || value instanceof org.apache.avro.util.Utf8;
                case INT -> value instanceof Integer;
                case LONG -> value instanceof Long;
                case DOUBLE -> value instanceof Double;
                case FLOAT -> value instanceof Float;
                case BOOLEAN -> value instanceof Boolean;
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }
}
