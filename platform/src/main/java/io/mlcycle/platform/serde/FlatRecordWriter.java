package io.mlcycle.platform.serde;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.DatumWriter;
import org.apache.avro.io.Encoder;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Writes records whose fields are all primitives or {@code ["null", primitive]} unions (the pipelines' data records,
 * and flat contract records such as {@code Feedback}) without Avro's per-field union resolution and datum dispatch:
 * the bytes are exactly those of {@link GenericDatumWriter} (generic records) or {@link SpecificDatumWriter} (specific
 * records, whose {@code timestamp-millis} fields hold {@link Instant}s). A record holding a value of another Java
 * type than the one that writer resolves for its field is handed to that writer whole (checked before anything is
 * written), so its behaviour, errors included, is unchanged.
 */
final class FlatRecordWriter implements DatumWriter<Object> {

    private enum Kind { STRING, INT, LONG, TIMESTAMP_MILLIS, DOUBLE, FLOAT, BOOLEAN }

    private final Kind[] kinds;
    /** Per field: whether it is a {@code ["null", primitive]} union (written with a branch index). */
    private final boolean[] nullable;
    /** Whether the records are specific ones, whose timestamp-millis fields the writer converts from Instant. */
    private final boolean specific;
    private final DatumWriter<Object> general;

    private FlatRecordWriter(Kind[] kinds, boolean[] nullable, Schema schema, boolean specific) {
        this.kinds = kinds;
        this.nullable = nullable;
        this.specific = specific;
        this.general = specific ? new SpecificDatumWriter<>(schema) : new GenericDatumWriter<>(schema);
    }

    /** The writer of generic records of {@code schema}, or null when the schema is not flat. */
    static FlatRecordWriter of(Schema schema) {
        return of(schema, false);
    }

    /**
     * The writer for {@code schema}, or null when its fields are not all primitives or {@code ["null", primitive]}
     * unions (timestamp-millis is the one logical type allowed).
     *
     * @param specific whether the records are specific (generated classes), written as {@link SpecificDatumWriter}
     *                 writes them
     */
    static FlatRecordWriter of(Schema schema, boolean specific) {
        if (schema.getType() != Schema.Type.RECORD) {
            return null;
        }
        List<Schema.Field> fields = schema.getFields();
        Kind[] kinds = new Kind[fields.size()];
        boolean[] nullable = new boolean[fields.size()];
        for (int i = 0; i < kinds.length; i++) {
            Schema type = fields.get(i).schema();
            Schema value = type;
            if (type.getType() == Schema.Type.UNION) {
                if (type.getTypes().size() != 2 || type.getTypes().get(0).getType() != Schema.Type.NULL) {
                    return null;
                }
                value = type.getTypes().get(1);
                nullable[i] = true;
            }
            boolean timestamp = value.getLogicalType() != null
                    && "timestamp-millis".equals(value.getLogicalType().getName());
            if (value.getLogicalType() != null && !timestamp) {
                return null;
            }
            // "avro.java.string" only chooses the Java type a reader makes; the written bytes are the same.
            kinds[i] = switch (value.getType()) {
                case STRING -> Kind.STRING;
                case INT -> Kind.INT;
                case LONG -> timestamp ? Kind.TIMESTAMP_MILLIS : Kind.LONG;
                case DOUBLE -> Kind.DOUBLE;
                case FLOAT -> Kind.FLOAT;
                case BOOLEAN -> Kind.BOOLEAN;
                default -> null;
            };
            if (kinds[i] == null) {
                return null;
            }
        }
        return new FlatRecordWriter(kinds, nullable, schema, specific);
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
            if (nullable[i]) {
                if (value == null) {
                    out.writeIndex(0);
                    continue;
                }
                out.writeIndex(1);
            }
            switch (kinds[i]) {
                case STRING -> out.writeString((CharSequence) value);
                case INT -> out.writeInt((Integer) value);
                case LONG -> out.writeLong((Long) value);
                case TIMESTAMP_MILLIS -> out.writeLong(value instanceof Instant instant ? instant.toEpochMilli()
                        : (Long) value);
                case DOUBLE -> out.writeDouble((Double) value);
                case FLOAT -> out.writeFloat((Float) value);
                case BOOLEAN -> out.writeBoolean((Boolean) value);
                default -> throw new IllegalStateException("unreachable");
            }
        }
    }

    /**
     * Whether every value is null (in a nullable field) or of the exact Java type the general writer resolves to the
     * field's branch.
     */
    private boolean fits(IndexedRecord record) {
        if (record.getSchema().getFields().size() != kinds.length) {
            return false;
        }
        for (int i = 0; i < kinds.length; i++) {
            Object value = record.get(i);
            if (value == null) {
                if (nullable[i]) {
                    continue;
                }
                return false;
            }
            boolean ok = switch (kinds[i]) {
                case STRING -> value instanceof String || value instanceof org.apache.avro.util.Utf8;
                case INT -> value instanceof Integer;
                case LONG -> value instanceof Long;
                // A specific writer converts Instants with the generated class's TimestampMillisConversion.
                case TIMESTAMP_MILLIS -> value instanceof Long || specific && value instanceof Instant;
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
