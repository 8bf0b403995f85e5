package io.mlcycle.platform.serde;

/** The payload names a schema id the registry does not know. Failure kind {@link SerdeFailure#UNKNOWN_SCHEMA_ID}. */
public class UnknownSchemaIdException extends AvroSerdeException {

    public UnknownSchemaIdException(String topic, String message) {
        super(SerdeFailure.UNKNOWN_SCHEMA_ID, topic, message);
    }

    public UnknownSchemaIdException(String topic, String message, Throwable cause) {
        super(SerdeFailure.UNKNOWN_SCHEMA_ID, topic, message, cause);
    }
}
