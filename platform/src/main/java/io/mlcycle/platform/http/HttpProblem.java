package io.mlcycle.platform.http;

/**
 * Thrown by a handler to answer with an error: the client gets {@code {"error": code, "message": message,
 * "status": status}} and nothing else (no stack trace).
 */
public class HttpProblem extends RuntimeException {

    private final int status;
    private final String error;

    public HttpProblem(int status, String error, String message) {
        super(message);
        if (status < 400 || status > 599) {
            throw new IllegalArgumentException("HTTP problem status must be 4xx or 5xx, was " + status);
        }
        this.status = status;
        this.error = error;
    }

    public int status() {
        return status;
    }

    /** A short machine-readable code, e.g. {@code invalid_json}. */
    public String error() {
        return error;
    }

    public static HttpProblem badRequest(String error, String message) {
        return new HttpProblem(400, error, message);
    }

    public static HttpProblem notFound(String message) {
        return new HttpProblem(404, "not_found", message);
    }

    public static HttpProblem unsupportedMediaType(String actual, String... accepted) {
        return new HttpProblem(415, "unsupported_media_type", "Content-Type '" + (actual == null ? "" : actual)
                + "' is not supported; use " + String.join(" or ", accepted));
    }

    public static HttpProblem conflict(String error, String message) {
        return new HttpProblem(409, error, message);
    }

    public static HttpProblem unavailable(String message) {
        return new HttpProblem(503, "unavailable", message);
    }
}
