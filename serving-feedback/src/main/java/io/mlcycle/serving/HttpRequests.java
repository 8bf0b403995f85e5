package io.mlcycle.serving;

import com.fasterxml.jackson.databind.JsonNode;
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
        if (items.isEmpty()) {
            throw HttpProblem.badRequest("empty_batch", "The batch holds no records");
        }
        if (items.size() > maxRecords) {
            throw new HttpProblem(413, "too_many_records", "The batch holds " + items.size()
                    + " records; at most " + maxRecords + " are accepted per request");
        }
        return new Body(items, batch);
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
