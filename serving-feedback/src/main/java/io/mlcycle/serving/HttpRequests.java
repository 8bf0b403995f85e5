package io.mlcycle.serving;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.platform.http.HttpProblem;
import io.mlcycle.platform.http.Request;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Request checks the serving HTTP endpoints share. */
final class HttpRequests {
    /** Plain JSON (no NaN, no comments), as the host's own body parsing reads it. */
    private static final JsonFactory JSON = new JsonFactory();

    private HttpRequests() {
    }

    /** 404 unless the path names this service's pipeline. */
    static void requirePipeline(Request request, String pipeline) {
        String asked = request.pathParam("pipeline");
        if (!pipeline.equals(asked)) {
            throw new HttpProblem(404, "unknown_pipeline", "Pipeline '" + asked + "' is not served here; this "
                    + "service serves '" + pipeline + "'");
        }
    }

    /** 415 for a declared non-JSON body; a missing Content-Type is accepted as JSON. */
    static void requireJsonIfDeclared(Request request) {
        request.contentType().ifPresent(type -> {
            if (!type.equals("application/json") && !type.endsWith("+json")) {
                throw HttpProblem.unsupportedMediaType(type, "application/json");
            }
        });
    }

    /**
     * The records of a body that is one JSON object, a JSON array of objects, or {@code {"records": [...]}}.
     *
     * @param batchField the field naming a batch inside an object (e.g. "records")
     */
    static Body records(Request request, String batchField, int maxRecords) {
        requireJsonIfDeclared(request);
        JsonNode root = request.bodyAs(JsonNode.class);
        List<JsonNode> items = new ArrayList<>();
        boolean batch;
        if (root.isArray()) {
            batch = true;
            root.forEach(items::add);
        } else if (root.isObject() && root.size() == 1 && root.has(batchField) && root.get(batchField).isArray()) {
            batch = true;
            root.get(batchField).forEach(items::add);
        } else if (root.isObject()) {
            batch = false;
            items.add(root);
        } else {
            throw HttpProblem.badRequest("invalid_body", "Expected a JSON object, a JSON array of objects, or {\""
                    + batchField + "\": [...]}, but got " + root.getNodeType().toString().toLowerCase(Locale.ROOT));
        }
        checkCount(items.size(), maxRecords);
        return new Body(items, batch);
    }

    /**
     * Where the records of a body lie, without building them: the body is one JSON object, a JSON array of values,
     * or {@code {"records": [...]}} (an object whose only field is the batch field holding an array), exactly as
     * {@link #records} takes it, and its syntax is checked to the end (content after the value is refused). Each
     * record is then converted by streaming straight from its bytes.
     *
     * @throws HttpProblem 400 {@code invalid_json}, {@code invalid_body} or {@code empty_batch}; 413
     *                     {@code too_many_records}
     */
    static Spans spans(byte[] body, int offset, int length, String batchField, int maxRecords) {
        // Records beyond maxRecords are counted and their syntax checked, but not listed: the answer (413, or 400
        // for bad JSON further on) is the same, and a body of many tiny records holds no list of them.
        List<Span> spans = new ArrayList<>();
        int count;
        boolean batch;
        try (JsonParser parser = JSON.createParser(body, offset, length)) {
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw HttpProblem.badRequest("invalid_json", "The request body is empty; expected JSON");
            }
            if (first == JsonToken.START_ARRAY) {
                batch = true;
                count = listed(parser, offset, spans, maxRecords);
            } else if (first == JsonToken.START_OBJECT) {
                int start = offset + (int) parser.currentTokenLocation().getByteOffset();
                boolean onlyBatchField = true;
                List<Span> lastBatch = null;
                int lastBatchCount = 0;
                while (parser.nextToken() == JsonToken.FIELD_NAME) {
                    boolean batchName = batchField.equals(parser.currentName());
                    JsonToken value = parser.nextToken();
                    if (batchName && value == JsonToken.START_ARRAY) {
                        List<Span> inner = new ArrayList<>();
                        lastBatchCount = listed(parser, offset, inner, maxRecords);
                        lastBatch = inner; // a repeated name: the last occurrence counts, as in a tree
                    } else {
                        parser.skipChildren();
                        if (batchName) {
                            lastBatch = null;
                        } else {
                            onlyBatchField = false;
                        }
                    }
                }
                parser.finishToken();
                int end = offset + (int) parser.currentLocation().getByteOffset();
                batch = onlyBatchField && lastBatch != null;
                if (batch) {
                    spans = lastBatch;
                    count = lastBatchCount;
                } else {
                    spans.add(new Span(start, end));
                    count = 1;
                }
            } else {
                throw HttpProblem.badRequest("invalid_body", "Expected a JSON object, a JSON array of objects, or {\""
                        + batchField + "\": [...]}, but got " + describe(first));
            }
            if (parser.nextToken() != null) {
                JsonLocation where = parser.currentTokenLocation();
                throw HttpProblem.badRequest("invalid_json", "The request body is not valid JSON for this endpoint:"
                        + " unexpected content after the JSON value at line " + where.getLineNr() + ", column "
                        + where.getColumnNr());
            }
        } catch (JsonProcessingException e) {
            throw HttpProblem.badRequest("invalid_json", "The request body is not valid JSON for this endpoint: "
                    + e.getOriginalMessage());
        } catch (IOException e) {
            throw HttpProblem.badRequest("invalid_json", "The request body cannot be read: " + e.getMessage());
        }
        checkCount(count, maxRecords);
        return new Spans(spans, batch);
    }

    /** The one rule on a request's record count, whichever way its body was read: 400 when none, 413 beyond max. */
    private static void checkCount(int records, int maxRecords) {
        if (records == 0) {
            throw HttpProblem.badRequest("empty_batch", "The batch holds no records");
        }
        if (records > maxRecords) {
            throw new HttpProblem(413, "too_many_records", "The batch holds " + records
                    + " records; at most " + maxRecords + " are accepted per request");
        }
    }

    /**
     * Reads the values of the array whose START_ARRAY is current up to its END_ARRAY, checking their syntax; lists
     * the places of the first {@code maxRecords} in {@code spans}; gives how many there are.
     */
    private static int listed(JsonParser parser, int offset, List<Span> spans, int maxRecords) throws IOException {
        int count = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            if (++count <= maxRecords) {
                spans.add(skipValue(parser, offset));
            } else {
                parser.skipChildren();
            }
        }
        return count;
    }

    /** Reads past the value whose first token is current, checking its syntax, and gives its place in the body. */
    private static Span skipValue(JsonParser parser, int offset) throws IOException {
        int start = offset + (int) parser.currentTokenLocation().getByteOffset();
        parser.skipChildren();
        parser.finishToken();
        return new Span(start, offset + (int) parser.currentLocation().getByteOffset());
    }

    /** A top-level value's kind as a tree's node type names it. */
    private static String describe(JsonToken token) {
        return switch (token) {
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case VALUE_NULL -> "null";
            default -> token.name().toLowerCase(Locale.ROOT);
        };
    }

    /** One record's bytes in the body: {@code [start, end)}. */
    record Span(int start, int end) {
        int length() {
            return end - start;
        }
    }

    /** The records' places in a body and whether they came as a batch. */
    record Spans(List<Span> items, boolean batch) {
    }

    /** The parsed records of a request and whether they came as a batch. */
    record Body(List<JsonNode> items, boolean batch) {
    }

    static List<Map<String, Object>> reasons(List<Violation> violations) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (Violation violation : violations) {
            Map<String, Object> reason = new LinkedHashMap<>();
            reason.put("code", violation.code().name());
            reason.put("field", violation.field());
            reason.put("detail", violation.detail());
            out.add(reason);
        }
        return out;
    }
}
