package io.mlcycle.platform.serde;

import java.nio.ByteBuffer;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** Builds a valid generic datum for any schema (first union branch, first enum symbol, empty collections). */
final class SampleRecords {

    private SampleRecords() {
    }

    static GenericRecord record(Schema schema) {
        return (GenericRecord) value(schema);
    }

    static Object value(Schema schema) {
        return switch (schema.getType()) {
            case RECORD -> {
                GenericData.Record record = new GenericData.Record(schema);
                schema.getFields().forEach(f -> record.put(f.pos(), value(f.schema())));
                yield record;
            }
            case UNION -> value(schema.getTypes().get(0));
            case STRING -> "s";
            case BYTES -> ByteBuffer.wrap(new byte[] {1});
            case INT -> 1;
            case LONG -> 1L;
            case FLOAT -> 1f;
            case DOUBLE -> 1d;
            case BOOLEAN -> true;
            case NULL -> null;
            case ENUM -> new GenericData.EnumSymbol(schema, schema.getEnumSymbols().get(0));
            case FIXED -> new GenericData.Fixed(schema, new byte[schema.getFixedSize()]);
            case ARRAY -> new GenericData.Array<>(0, schema);
            case MAP -> Map.of();
        };
    }
}
