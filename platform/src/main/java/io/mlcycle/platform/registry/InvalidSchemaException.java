package io.mlcycle.platform.registry;

/** The registry rejected the schema as invalid. (Confluent error code 42201.) */
public class InvalidSchemaException extends SchemaRegistryException {

    public static final int ERROR_CODE = 42201;

    public InvalidSchemaException(String message) {
        super(422, ERROR_CODE, message);
    }
}
