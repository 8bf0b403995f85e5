package io.mlcycle.platform.serde;

/** The writer schema cannot be resolved into the reader's schema or class. Failure kind {@link SerdeFailure#SCHEMA_MISMATCH}. */
public class SchemaMismatchException extends AvroSerdeException {

    public SchemaMismatchException(String topic, String message) {
        super(SerdeFailure.SCHEMA_MISMATCH, topic, message);
    }

    public SchemaMismatchException(String topic, String message, Throwable cause) {
        super(SerdeFailure.SCHEMA_MISMATCH, topic, message, cause);
    }
}
