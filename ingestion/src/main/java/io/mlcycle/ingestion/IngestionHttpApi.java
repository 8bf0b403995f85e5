package io.mlcycle.ingestion;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.platform.http.HttpProblem;
import io.mlcycle.platform.http.HttpServerHost;
import io.mlcycle.platform.http.Request;
import io.mlcycle.platform.http.Response;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingestion HTTP endpoints:
 * <ul>
 *   <li>{@code POST /v1/pipelines/{pipeline}/events}: one JSON object, a JSON array, or NDJSON; answers 200 with
 *       each event's fate, 400 (empty or malformed body), 404 (unknown pipeline), 413 (body too large, answered by
 *       the host; or one event too large for a Kafka record, nothing written), 415 (other content type), 503 with Retry-After (Kafka unavailable);</li>
 *   <li>{@code GET /v1/pipelines/{pipeline}/schema}: the pipeline's Avro data schema.</li>
 * </ul>
 */
final class IngestionHttpApi {

    static final String EVENTS_ROUTE = "/v1/pipelines/{pipeline}/events";
    static final String SCHEMA_ROUTE = "/v1/pipelines/{pipeline}/schema";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static final Logger LOG = LoggerFactory.getLogger(IngestionHttpApi.class);

    private final EventIngestor ingestor;
    private final EventBody parser = new EventBody();
    private final int retryAfterSeconds;
    private final Counter accepted;
    private final Counter rejected;
    private final Counter unavailable;
    private final Object schemaJson;

    IngestionHttpApi(EventIngestor ingestor, int retryAfterSeconds, MeterRegistry meters, ObjectMapper json) {
        this.ingestor = ingestor;
        this.retryAfterSeconds = retryAfterSeconds;
        String pipeline = ingestor.spec().pipeline();
        this.accepted = Counter.builder("mlcycle.ingestion.events").tag("pipeline", pipeline)
                .tag("outcome", "accepted").description("events written to data.raw").register(meters);
        this.rejected = Counter.builder("mlcycle.ingestion.events").tag("pipeline", pipeline)
                .tag("outcome", "rejected").description("events written to data.quarantine").register(meters);
        this.unavailable = Counter.builder("mlcycle.ingestion.unavailable").tag("pipeline", pipeline)
                .description("requests answered 503 because Kafka did not take the events").register(meters);
        try {
            this.schemaJson = json.readTree(ingestor.spec().dataSchema().toString());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the data schema does not render as JSON", e);
        }
    }

    void register(HttpServerHost host) {
        host.route("POST", EVENTS_ROUTE, this::postEvents);
        host.route("GET", SCHEMA_ROUTE, this::getSchema);
    }

    Response getSchema(Request request) {
        requireKnownPipeline(request);
        return Response.ok(schemaJson);
    }

    Response postEvents(Request request) {
        requireKnownPipeline(request);
        String contentType = request.header("content-type").orElse(null);
        EventBody.Format format = EventBody.Format.of(contentType);
        if (format == null) {
            throw HttpProblem.unsupportedMediaType(contentType, EventBody.Format.JSON.mediaType() + " (UTF-8)",
                    EventBody.Format.NDJSON.mediaType() + " (UTF-8)");
        }
        byte[] body = request.body();
        if (EventBody.isBlank(body)) {
            throw HttpProblem.badRequest("empty_body", "The request body is empty; send a JSON object, a JSON array"
                    + " of objects, or NDJSON (one object per line)");
        }
        List<EventBody.Event> events;
        try {
            events = parser.parse(body, format);
        } catch (EventBody.MalformedBodyException e) {
            throw HttpProblem.badRequest("malformed_json", e.getMessage());
        }
        String idempotencyKey = idempotencyKey(request, events.size());
        EventIngestor.Outcome outcome;
        try {
            outcome = ingestor.ingest(events, idempotencyKey);
        } catch (EventIngestor.KafkaUnavailableException e) {
            unavailable.increment();
            LOG.warn("Answering 503 to an ingestion request of {} events: {}", events.size(), e.getMessage());
            Map<String, Object> problem = new LinkedHashMap<>();
            problem.put("error", "unavailable");
            problem.put("message", "Kafka is unavailable; retry after " + retryAfterSeconds + " s ("
                    + e.getMessage() + "). Events may have been written in part: resend them with the same "
                    + "event_id or Idempotency-Key so duplicates can be recognised.");
            problem.put("status", 503);
            return Response.status(503, problem).withHeader("Retry-After", Integer.toString(retryAfterSeconds));
        } catch (EventIngestor.EventTooLargeException e) {
            throw new HttpProblem(413, "event_too_large", e.getMessage());
        }
        accepted.increment(outcome.accepted());
        rejected.increment(outcome.rejected());
        return Response.ok(render(outcome));
    }

    private void requireKnownPipeline(Request request) {
        String pipeline = request.pathParam("pipeline");
        if (!pipeline.equals(ingestor.spec().pipeline())) {
            throw HttpProblem.notFound("Unknown pipeline '" + pipeline + "'; this service ingests for pipeline '"
                    + ingestor.spec().pipeline() + "'");
        }
    }

    private static String idempotencyKey(Request request, int events) {
        String key = request.header(IDEMPOTENCY_KEY).map(String::trim).orElse(null);
        if (key == null) {
            return null;
        }
        if (key.isEmpty() || key.length() > EventIngestor.MAX_EVENT_ID_LENGTH) {
            throw HttpProblem.badRequest("invalid_idempotency_key", IDEMPOTENCY_KEY + " must be 1 to "
                    + EventIngestor.MAX_EVENT_ID_LENGTH + " characters");
        }
        if (events != 1) {
            throw HttpProblem.badRequest("idempotency_key_for_batch", IDEMPOTENCY_KEY + " names one event, but the"
                    + " body holds " + events + "; give each object of a batch its own \"" + EventIngestor.EVENT_ID_FIELD
                    + "\" field instead");
        }
        return key;
    }

    private static Map<String, Object> render(EventIngestor.Outcome outcome) {
        List<Map<String, Object>> results = new ArrayList<>();
        for (EventIngestor.Result result : outcome.results()) {
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("index", result.index());
            item.put("event_id", result.eventId());
            item.put("status", result.accepted() ? "accepted" : "rejected");
            if (!result.accepted()) {
                List<Map<String, Object>> reasons = new ArrayList<>();
                for (Violation violation : result.reasons()) {
                    Map<String, Object> reason = new LinkedHashMap<>();
                    reason.put("code", violation.code().name());
                    reason.put("field", violation.field());
                    reason.put("detail", violation.detail());
                    reasons.add(reason);
                }
                item.put("reasons", reasons);
            }
            results.add(item);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("accepted", outcome.accepted());
        body.put("rejected", outcome.rejected());
        body.put("results", results);
        return body;
    }
}
