package io.mlcycle.platform.registry;

/** No schema has this id, or the subject does not hold this schema. (Confluent error code 40403.) */
public class SchemaNotFoundException extends SchemaRegistryException {

    public static final int ERROR_CODE = 40403;

    public SchemaNotFoundException(String message) {
        super(404, ERROR_CODE, message);
    }
}
