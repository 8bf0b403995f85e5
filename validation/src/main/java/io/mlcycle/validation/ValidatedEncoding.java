package io.mlcycle.validation;

import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The bytes of a validated record for {@code <p>.data.validated}. Most records pass the gates unchanged, and then
 * re-encoding the normalised record would give back the raw bytes: the raw value is forwarded as it is when
 * <ul>
 *   <li>it is in the Confluent wire format (magic byte 0 and a 4-byte schema id, no schema-id header) and its schema
 *       id is the one the validated topic's serializer writes (learned from its last output: the registry gives
 *       equal schemas one id across subjects), so its writer schema is the validated record's schema, and</li>
 *   <li>normalising changed no field value (no trimmed text, no sentinel turned missing, no category mapped or
 *       re-cased, no widened number, no logical-type conversion).</li>
 * </ul>
 * Avro's binary encoding of a record is determined by its schema and values, so the forwarded bytes decode to the
 * normalised record. Otherwise, and for one record in {@value #REFRESH_EVERY} (so that a new schema id of the
 * validated subject, e.g. under {@code use.latest.version}, is learned), the normalised record is serialised. One
 * instance per processor (a stream task's single thread).
 */
final class ValidatedEncoding {

    /** At most this many raw values are forwarded in a row before the serializer is asked again. */
    static final int REFRESH_EVERY = 1_000;
    private static final byte MAGIC_BYTE = 0;
    private static final int PREFIX = 5;
    /** Confluent 8.1+ header-based schema ids (then the value has no prefix): never forwarded as they are. */
    private static final String VALUE_SCHEMA_ID_HEADER = "__value_schema_id";
    private static final int UNKNOWN = -1;

    private final String topic;
    private final Serializer<GenericRecord> serializer;
    private int validatedSchemaId = UNKNOWN;
    private int forwardedInARow;
    private long forwarded;
    private long encoded;

    ValidatedEncoding(String topic, Serializer<GenericRecord> serializer) {
        this.topic = Objects.requireNonNull(topic, "topic");
        this.serializer = Objects.requireNonNull(serializer, "serializer");
    }

    /**
     * The validated value: {@code raw} itself when it can be forwarded (see the class comment), else the serializer's
     * encoding of {@code normalised}.
     *
     * @param raw        the raw record's value
     * @param headers    the raw record's headers
     * @param decoded    {@code raw} decoded
     * @param normalised the record the gates passed
     */
    byte[] encode(byte[] raw, Headers headers, GenericRecord decoded, GenericRecord normalised) {
        if (validatedSchemaId != UNKNOWN && forwardedInARow < REFRESH_EVERY && raw.length >= PREFIX
                && raw[0] == MAGIC_BYTE && schemaId(raw) == validatedSchemaId
                && headers.lastHeader(VALUE_SCHEMA_ID_HEADER) == null && unchanged(decoded, normalised)) {
            forwardedInARow++;
            forwarded++;
            return raw;
        }
        byte[] bytes = serializer.serialize(topic, normalised);
        validatedSchemaId = bytes != null && bytes.length >= PREFIX && bytes[0] == MAGIC_BYTE ? schemaId(bytes) : UNKNOWN;
        forwardedInARow = 0;
        encoded++;
        return bytes;
    }

    /** Raw values forwarded as they were, for tests. */
    long forwarded() {
        return forwarded;
    }

    /** Records serialised, for tests. */
    long encoded() {
        return encoded;
    }

    private static int schemaId(byte[] value) {
        return ((value[1] & 0xff) << 24) | ((value[2] & 0xff) << 16) | ((value[3] & 0xff) << 8) | (value[4] & 0xff);
    }

    /** Whether every field of {@code normalised} has the same value in {@code decoded} (text compared as text). */
    static boolean unchanged(GenericRecord decoded, GenericRecord normalised) {
        Schema schema = normalised.getSchema();
        Schema decodedSchema = decoded.getSchema();
        if (decodedSchema.getFields().size() != schema.getFields().size()) {
            return false;
        }
        for (Schema.Field field : schema.getFields()) {
            Schema.Field decodedField = decodedSchema.getField(field.name());
            if (decodedField == null || decodedField.pos() != field.pos()) {
                return false;
            }
            Object before = decoded.get(field.pos());
            Object after = normalised.get(field.pos());
            if (after instanceof String text) {
                if (!(before instanceof CharSequence original) || !text.equals(original.toString())) {
                    return false;
                }
            } else if (!Objects.equals(before, after)) {
                return false;
            }
        }
        return true;
    }
}
