package io.mlcycle.platform.registry;

/** The schema breaks the subject's compatibility rule. (Confluent error code 409.) */
public class IncompatibleSchemaException extends SchemaRegistryException {

    public static final int ERROR_CODE = 409;

    public IncompatibleSchemaException(String message) {
        super(409, ERROR_CODE, message);
    }
}
