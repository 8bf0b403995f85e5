package io.mlcycle.platform.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One HTTP request as a handler sees it: the method, the matched route template, path parameters, query
 * parameters, headers (names lower-case), and the body (already read, within the host's size limit).
 */
public final class Request {

    private final String method;
    private final String path;
    private final String route;
    private final Map<String, String> pathParams;
    private final Map<String, List<String>> queryParams;
    private final Map<String, List<String>> headers;
    private final byte[] body;
    private final int bodyLength;
    private final ObjectMapper json;

    Request(String method, String path, String route, Map<String, String> pathParams,
            Map<String, List<String>> queryParams, Map<String, List<String>> headers, byte[] body, ObjectMapper json) {
        this(method, path, route, pathParams, queryParams, headers, body, body.length, json);
    }

    Request(String method, String path, String route, Map<String, String> pathParams,
            Map<String, List<String>> queryParams, Map<String, List<String>> headers, byte[] body, int bodyLength,
            ObjectMapper json) {
        this.method = method;
        this.path = path;
        this.route = route;
        this.pathParams = Map.copyOf(pathParams);
        this.queryParams = Map.copyOf(queryParams);
        this.headers = Map.copyOf(headers);
        this.body = body;
        this.bodyLength = bodyLength;
        this.json = json;
    }

    public String method() {
        return method;
    }

    public String path() {
        return path;
    }

    /** The route template that matched, e.g. {@code /v1/pipelines/{pipeline}/events}. */
    public String route() {
        return route;
    }

    public Map<String, String> pathParams() {
        return pathParams;
    }

    /** A path parameter of the route template; always present when the route matched. */
    public String pathParam(String name) {
        String value = pathParams.get(name);
        if (value == null) {
            throw new IllegalArgumentException("route " + route + " has no path parameter {" + name + "}");
        }
        return value;
    }

    public Map<String, List<String>> queryParams() {
        return queryParams;
    }

    /** The first value of a query parameter. */
    public Optional<String> queryParam(String name) {
        List<String> values = queryParams.get(name);
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** Headers with lower-case names. */
    public Map<String, List<String>> headers() {
        return headers;
    }

    /** The first value of a header (name case-insensitive). */
    public Optional<String> header(String name) {
        List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
        return values == null || values.isEmpty() ? Optional.empty() : Optional.of(values.get(0));
    }

    /** The media type of the body without parameters, lower-case, e.g. {@code application/json}; empty if none. */
    public Optional<String> contentType() {
        return header("content-type").map(v -> v.split(";", 2)[0].trim().toLowerCase(Locale.ROOT)).filter(v -> !v.isEmpty());
    }

    /** Throws a 415 {@link HttpProblem} unless the body's media type is one of {@code accepted}. */
    public void requireContentType(String... accepted) {
        String actual = contentType().orElse(null);
        for (String type : accepted) {
            if (type.equalsIgnoreCase(actual)) {
                return;
            }
        }
        throw HttpProblem.unsupportedMediaType(actual, accepted);
    }

    /** A copy of the body; {@link #readBody} reads it without copying. */
    public byte[] body() {
        return java.util.Arrays.copyOf(body, bodyLength);
    }

    public int bodyLength() {
        return bodyLength;
    }

    /** The body as text; the host has already refused bodies that are not UTF-8. */
    public String bodyAsString() {
        return new String(body, 0, bodyLength, StandardCharsets.UTF_8);
    }

    /** Reads the body in place, without a copy (the bytes are lent for the call only). */
    public <T, E extends Exception> T readBody(BodyReader<T, E> reader) throws E {
        return reader.read(body, 0, bodyLength);
    }

    /** The JSON body as {@code type}; a 400 {@code invalid_json} problem if it does not parse or bind. */
    public <T> T bodyAs(Class<T> type) {
        if (bodyLength == 0) {
            throw HttpProblem.badRequest("invalid_json", "The request body is empty; expected JSON");
        }
        try {
            return json.readValue(body, 0, bodyLength, type);
        } catch (JsonProcessingException e) {
            throw HttpProblem.badRequest("invalid_json", "The request body is not valid JSON for this endpoint: "
                    + e.getOriginalMessage());
        } catch (java.io.IOException e) {
            throw HttpProblem.badRequest("invalid_json", "The request body cannot be read: " + e.getMessage());
        }
    }
}
