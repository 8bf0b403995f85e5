package io.mlcycle.localstack;

/**
 * A Schema Registry API error: HTTP status plus Confluent's {@code error_code} and message.
 * The messages follow Confluent's {@code Errors} class word for word.
 */
final class RegistryError extends RuntimeException {

    private final int httpStatus;
    private final int errorCode;

    RegistryError(int httpStatus, int errorCode, String message) {
        super(message, null, false, false);
        this.httpStatus = httpStatus;
        this.errorCode = errorCode;
    }

    int httpStatus() {
        return httpStatus;
    }

    int errorCode() {
        return errorCode;
    }

    static RegistryError subjectNotFound(String subject) {
        return new RegistryError(404, 40401, "Subject '" + subject + "' not found.");
    }

    static RegistryError versionNotFound(int version) {
        return new RegistryError(404, 40402, "Version " + version + " not found.");
    }

    static RegistryError schemaNotFound() {
        return new RegistryError(404, 40403, "Schema not found");
    }

    static RegistryError schemaNotFound(int id) {
        return new RegistryError(404, 40403, "Schema " + id + " not found");
    }

    /** A GUID (Confluent 8.x header-based schema ids) that no schema has. */
    static RegistryError schemaNotFound(String guid) {
        return new RegistryError(404, 40403, "Schema " + guid + " not found");
    }

    static RegistryError subjectSoftDeleted(String subject) {
        return new RegistryError(404, 40404, "Subject '" + subject + "' was soft deleted."
                + "Set permanent=true to delete permanently");
    }

    static RegistryError subjectNotSoftDeleted(String subject) {
        return new RegistryError(404, 40405, "Subject '" + subject + "' was not deleted "
                + "first before being permanently deleted");
    }

    static RegistryError versionSoftDeleted(String subject, String version) {
        return new RegistryError(404, 40406, "Subject '" + subject + "' Version " + version + " was soft deleted."
                + "Set permanent=true to delete permanently");
    }

    static RegistryError versionNotSoftDeleted(String subject, String version) {
        return new RegistryError(404, 40407, "Subject '" + subject + "' Version " + version + " was not deleted "
                + "first before being permanently deleted");
    }

    static RegistryError subjectCompatibilityNotConfigured(String subject) {
        return new RegistryError(404, 40408, "Subject '" + subject + "' does not have "
                + "subject-level compatibility configured");
    }

    static RegistryError subjectModeNotConfigured(String subject) {
        return new RegistryError(404, 40409, "Subject '" + subject + "' does not have subject-level mode configured");
    }

    static RegistryError incompatibleSchema(String subject, java.util.List<String> details) {
        return new RegistryError(409, 409, "Schema being registered is incompatible with an earlier schema for subject \""
                + subject + "\", details: " + details);
    }

    static RegistryError invalidSchema(String message) {
        return new RegistryError(422, 42201, message);
    }

    static RegistryError invalidVersion(String version) {
        return new RegistryError(422, 42202, "The specified version '" + version + "' is not a valid version id. "
                + "Allowed values are between [1, 2^31-1] and the string \"latest\"");
    }

    static RegistryError invalidCompatibilityLevel() {
        return new RegistryError(422, 42203, "Invalid compatibility level. Valid values are none, backward, forward, "
                + "full, backward_transitive, forward_transitive, and full_transitive");
    }

    static RegistryError invalidMode() {
        return new RegistryError(422, 42204, "Invalid mode. Valid values are READWRITE, READONLY, READONLY_OVERRIDE, "
                + "and IMPORT");
    }

    static RegistryError operationNotPermitted(String message) {
        return new RegistryError(422, 42205, message);
    }

    static RegistryError storeError(String message) {
        return new RegistryError(500, 50001, message);
    }

    static RegistryError operationTimeout(String message) {
        return new RegistryError(500, 50002, message);
    }

    static RegistryError badRequest(String message) {
        return new RegistryError(400, 400, message);
    }

    static RegistryError unprocessable(String message) {
        return new RegistryError(422, 422, message);
    }

    static RegistryError notFound() {
        return new RegistryError(404, 404, "HTTP 404 Not Found");
    }

    static RegistryError methodNotAllowed() {
        return new RegistryError(405, 405, "HTTP 405 Method Not Allowed");
    }

    static RegistryError unsupportedMediaType() {
        return new RegistryError(415, 415, "HTTP 415 Unsupported Media Type");
    }

    static RegistryError internal() {
        return new RegistryError(500, 500, "Internal Server Error");
    }
}
