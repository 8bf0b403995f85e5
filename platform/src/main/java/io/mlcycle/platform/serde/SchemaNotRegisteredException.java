package io.mlcycle.platform.serde;

/** auto.register.schemas is off and the value's schema is not registered under its subject. Failure kind {@link SerdeFailure#SCHEMA_NOT_REGISTERED}. */
public class SchemaNotRegisteredException extends AvroSerdeException {

    public SchemaNotRegisteredException(String topic, String message) {
        super(SerdeFailure.SCHEMA_NOT_REGISTERED, topic, message);
    }

    public SchemaNotRegisteredException(String topic, String message, Throwable cause) {
        super(SerdeFailure.SCHEMA_NOT_REGISTERED, topic, message, cause);
    }
}
