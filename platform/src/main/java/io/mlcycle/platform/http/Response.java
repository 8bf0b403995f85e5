package io.mlcycle.platform.http;

import java.util.Map;
import java.util.Objects;

/**
 * A handler's answer. The body is written as JSON (Jackson) unless it is a {@code byte[]}, or a {@code String} with a
 * non-JSON {@code Content-Type} header (e.g. Prometheus text); a null body sends no content.
 *
 * @param status  the HTTP status
 * @param body    the body object, or null
 * @param headers extra response headers
 */
public record Response(int status, Object body, Map<String, String> headers) {

    public Response {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("invalid HTTP status " + status);
        }
        headers = Map.copyOf(Objects.requireNonNullElse(headers, Map.of()));
    }

    public static Response ok(Object body) {
        return new Response(200, body, Map.of());
    }

    public static Response status(int status, Object body) {
        return new Response(status, body, Map.of());
    }

    public static Response accepted(Object body) {
        return new Response(202, body, Map.of());
    }

    public static Response noContent() {
        return new Response(204, null, Map.of());
    }

    /** A plain-text (or other non-JSON) body with its content type. */
    public static Response text(int status, String contentType, String text) {
        return new Response(status, text, Map.of("Content-Type", contentType));
    }

    public Response withHeader(String name, String value) {
        java.util.HashMap<String, String> copy = new java.util.HashMap<>(headers);
        copy.put(name, value);
        return new Response(status, body, copy);
    }
}
