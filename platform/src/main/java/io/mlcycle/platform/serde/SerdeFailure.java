package io.mlcycle.platform.serde;

/**
 * Why an Avro serde call failed, so callers (e.g. the validation service) can route a record by reason code
 * without parsing messages. {@link #isRecordFault()} separates bad records (quarantine them) from failures of the
 * environment (retry or stop; the record may be fine).
 */
public enum SerdeFailure {
    /** The first byte is not the Confluent magic byte 0. */
    BAD_MAGIC_BYTE(true),
    /** The schema id in the header is not known to the registry. */
    UNKNOWN_SCHEMA_ID(true),
    /** The payload ends before the header or the Avro datum is complete. */
    TRUNCATED_RECORD(true),
    /** The Avro bytes do not decode with the writer schema (bad lengths, bad union index, ...). */
    MALFORMED_RECORD(true),
    /** The writer schema cannot be resolved into the reader schema or class (or a value into the latest schema). */
    SCHEMA_MISMATCH(true),
    /** A value to serialise does not fit its own schema (null in a required field, wrong type, ...). */
    INVALID_VALUE(true),
    /** The value's Java type has no Avro mapping. */
    UNSUPPORTED_TYPE(true),
    /** auto.register.schemas is off and the schema is not registered under the subject. */
    SCHEMA_NOT_REGISTERED(false),
    /** The registry refused to register the schema under its compatibility rule. */
    INCOMPATIBLE_SCHEMA(false),
    /** The registry failed or could not be reached; the record itself may be fine. */
    REGISTRY_ERROR(false);

    private final boolean recordFault;

    SerdeFailure(boolean recordFault) {
        this.recordFault = recordFault;
    }

    /** True when the record's bytes or value are at fault, false when the environment (registry, config) is. */
    public boolean isRecordFault() {
        return recordFault;
    }
}
