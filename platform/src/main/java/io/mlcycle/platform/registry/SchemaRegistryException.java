package io.mlcycle.platform.registry;

/**
 * A failure reported by, or while reaching, a schema registry. Carries the HTTP status and the Confluent
 * {@code error_code} (e.g. 40401) when the registry answered; both are -1 when it did not.
 */
public class SchemaRegistryException extends RuntimeException {

    private final int status;
    private final int errorCode;

    public SchemaRegistryException(int status, int errorCode, String message) {
        this(status, errorCode, message, null);
    }

    public SchemaRegistryException(int status, int errorCode, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.errorCode = errorCode;
    }

    /** The HTTP status of the registry's answer, or -1 if there was none. */
    public int status() {
        return status;
    }

    /** The registry's {@code error_code} (Confluent codes like 40401, 42201), or -1. */
    public int errorCode() {
        return errorCode;
    }

    /** Builds the most specific exception for a Confluent error answer. */
    public static SchemaRegistryException fromErrorResponse(int status, int errorCode, String message) {
        String text = message == null || message.isBlank() ? "HTTP " + status : message;
        return switch (errorCode) {
            case SubjectNotFoundException.ERROR_CODE -> new SubjectNotFoundException(text);
            case VersionNotFoundException.ERROR_CODE -> new VersionNotFoundException(text);
            case SchemaNotFoundException.ERROR_CODE -> new SchemaNotFoundException(text);
            case InvalidSchemaException.ERROR_CODE -> new InvalidSchemaException(text);
            default -> status == 409 || errorCode == IncompatibleSchemaException.ERROR_CODE
                    ? new IncompatibleSchemaException(text)
                    : new SchemaRegistryException(status, errorCode, text);
        };
    }
}
