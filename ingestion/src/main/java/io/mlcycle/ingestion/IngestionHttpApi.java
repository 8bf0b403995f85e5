package io.mlcycle.ingestion;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.platform.http.HttpProblem;
import io.mlcycle.platform.http.HttpServerHost;
import io.mlcycle.platform.http.Request;
import io.mlcycle.platform.http.Response;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingestion HTTP endpoints:
 * <ul>
 *   <li>{@code POST /v1/pipelines/{pipeline}/events}: one JSON object, a JSON array, or NDJSON; answers 200 with the
 *       counts and the rejected events (422 when every event was rejected), 400 (empty, malformed or non-UTF-8
 *       body), 404 (unknown pipeline), 409 (Idempotency-Key reused with another body), 413 (body too large, too many
 *       events, or one event too large for a Kafka record; nothing written), 415 (other content type or charset),
 *       429 with Retry-After (more events arrive than Kafka takes: too much is waiting for it while it keeps
 *       completing transactions; nothing written), 503 with Retry-After (Kafka unavailable, or stalled: nothing
 *       completed for the ack timeout while events wait; nothing written);</li>
 *   <li>{@code GET /v1/pipelines/{pipeline}/schema}: the pipeline's Avro data schema.</li>
 * </ul>
 * The events route is asynchronous: a request thread reads the body and converts its events in one pass
 * ({@link EventBody}), and hands their records to the {@link TransactionalWriter}; the answer is sent when Kafka
 * committed them.
 */
final class IngestionHttpApi {

    static final String EVENTS_ROUTE = "/v1/pipelines/{pipeline}/events";
    static final String SCHEMA_ROUTE = "/v1/pipelines/{pipeline}/schema";
    static final String IDEMPOTENCY_KEY = "Idempotency-Key";

    private static final Logger LOG = LoggerFactory.getLogger(IngestionHttpApi.class);

    /** What a key was first used for: the body's digest, and the answer (pending until it is known). */
    private record KeyUse(byte[] digest, CompletableFuture<Response> answer) {
    }

    private final EventIngestor ingestor;
    private final EventBody parser = new EventBody();
    private final int retryAfterSeconds;
    private final int maxRecordsPerRequest;
    private final Cache<String, KeyUse> keys;
    private final Counter accepted;
    private final Counter rejected;
    private final Counter unavailable;
    private final Counter overloaded;
    private final Counter keyReplays;
    private final Counter keyConflicts;
    private final Object schemaJson;

    IngestionHttpApi(EventIngestor ingestor, int retryAfterSeconds, int maxRecordsPerRequest, int idempotencyCacheSize,
                     Duration idempotencyTtl, MeterRegistry meters, ObjectMapper json) {
        this.ingestor = ingestor;
        this.retryAfterSeconds = retryAfterSeconds;
        this.maxRecordsPerRequest = maxRecordsPerRequest;
        this.keys = Caffeine.newBuilder().maximumSize(idempotencyCacheSize).expireAfterWrite(idempotencyTtl).build();
        String pipeline = ingestor.spec().pipeline();
        this.accepted = Counter.builder("mlcycle.ingestion.events").tag("pipeline", pipeline)
                .tag("outcome", "accepted").description("events written to data.raw").register(meters);
        this.rejected = Counter.builder("mlcycle.ingestion.events").tag("pipeline", pipeline)
                .tag("outcome", "rejected").description("events written to data.quarantine").register(meters);
        this.unavailable = Counter.builder("mlcycle.ingestion.unavailable").tag("pipeline", pipeline)
                .description("requests answered 503 because Kafka did not take the events").register(meters);
        this.overloaded = Counter.builder("mlcycle.ingestion.overloaded").tag("pipeline", pipeline)
                .description("requests answered 429 because more events arrived than Kafka took").register(meters);
        this.keyReplays = Counter.builder("mlcycle.ingestion.idempotency").tag("pipeline", pipeline)
                .tag("outcome", "replayed").description("requests answered from an earlier use of their Idempotency-Key")
                .register(meters);
        this.keyConflicts = Counter.builder("mlcycle.ingestion.idempotency").tag("pipeline", pipeline)
                .tag("outcome", "conflict").description("Idempotency-Keys reused with another body (409)")
                .register(meters);
        try {
            this.schemaJson = json.readTree(ingestor.spec().dataSchema().toString());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("the data schema does not render as JSON", e);
        }
    }

    void register(HttpServerHost host) {
        host.routeAsync("POST", EVENTS_ROUTE, this::postEvents);
        host.route("GET", SCHEMA_ROUTE, this::getSchema);
    }

    Response getSchema(Request request) {
        requireKnownPipeline(request);
        return Response.ok(schemaJson);
    }

    CompletionStage<Response> postEvents(Request request) {
        requireKnownPipeline(request);
        String contentType = request.header("content-type").orElse(null);
        EventBody.Format format = EventBody.Format.of(contentType);
        if (format == null) {
            throw HttpProblem.unsupportedMediaType(contentType, EventBody.Format.JSON.mediaType() + " (UTF-8)",
                    EventBody.Format.NDJSON.mediaType() + " (UTF-8)");
        }
        if (request.readBody(EventBody::isBlankRange)) {
            throw HttpProblem.badRequest("empty_body", "The request body is empty; send a JSON object, a JSON array"
                    + " of objects, or NDJSON (one object per line)");
        }
        List<EventBody.Event> events;
        try {
            events = request.readBody((bytes, offset, length) ->
                    parser.parse(bytes, offset, length, format, maxRecordsPerRequest, ingestor::convert));
        } catch (EventBody.MalformedBodyException e) {
            throw HttpProblem.badRequest("malformed_json", e.getMessage());
        } catch (EventBody.TooManyEventsException e) {
            throw new HttpProblem(413, "too_many_records", "Nothing was written: " + e.getMessage());
        } catch (EventBody.BodyException e) {
            throw HttpProblem.badRequest("invalid_body", e.getMessage());
        }
        String key = idempotencyKey(request, events.size());
        if (key == null) {
            return ingest(events, null);
        }
        byte[] digest = request.readBody(IngestionHttpApi::sha256);
        CompletableFuture<Response> mine = new CompletableFuture<>();
        KeyUse earlier = keys.asMap().putIfAbsent(key, new KeyUse(digest, mine));
        if (earlier != null) {
            if (!MessageDigest.isEqual(earlier.digest(), digest)) {
                keyConflicts.increment();
                throw HttpProblem.conflict("idempotency_key_reused", IDEMPOTENCY_KEY + " '" + excerpt(key)
                        + "' was already used for a different body; nothing was written. Use a new key for a new event");
            }
            keyReplays.increment();
            return earlier.answer();
        }
        KeyUse use = new KeyUse(digest, mine);
        try {
            ingest(events, key).whenComplete((response, failure) -> {
                if (failure != null || response.status() >= 500 || response.status() == 429) {
                    // Not written (or not known to be): the key is free again, so a retry does the work.
                    keys.asMap().remove(key, use);
                }
                if (failure != null) {
                    mine.completeExceptionally(failure);
                } else {
                    mine.complete(response);
                }
            });
        } catch (RuntimeException e) {
            keys.asMap().remove(key, use);
            mine.completeExceptionally(e);
        }
        return mine;
    }

    private CompletionStage<Response> ingest(List<EventBody.Event> events, String key) {
        CompletableFuture<EventIngestor.Outcome> written;
        try {
            written = ingestor.ingest(events, key);
        } catch (EventIngestor.KafkaUnavailableException e) {
            return CompletableFuture.completedFuture(unavailable(events.size(), "unavailable", e.getMessage()
                    + "; nothing of this request was written"));
        } catch (EventIngestor.EventTooLargeException e) {
            throw new HttpProblem(413, "event_too_large", e.getMessage());
        }
        return written.handle((outcome, failure) -> {
            if (failure == null) {
                accepted.increment(outcome.accepted());
                rejected.increment(outcome.rejected());
                return answer(outcome);
            }
            Throwable cause = failure instanceof CompletionException && failure.getCause() != null
                    ? failure.getCause() : failure;
            if (cause instanceof TransactionalWriter.Overloaded overloaded) {
                if (!overloaded.kafkaStalled()) {
                    return tooMany(events.size(), cause.getMessage() + "; nothing of this request was written");
                }
                return unavailable(events.size(), "kafka_stalled", cause.getMessage()
                        + "; nothing of this request was written");
            }
            if (cause instanceof TransactionalWriter.OutcomeUnknown) {
                return unavailable(events.size(), "outcome_unknown", cause.getMessage() + ". The events may or may"
                        + " not have been written: resend the same body with the same event ids (or Idempotency-Key)");
            }
            return unavailable(events.size(), "unavailable", cause.getMessage()
                    + "; nothing of this request was written");
        });
    }

    /** 429: Kafka is taking events, but more arrive than it takes; the client should send more slowly. */
    private Response tooMany(int events, String message) {
        overloaded.increment();
        LOG.debug("Answering 429 to an ingestion request of {} events: {}", events, message);
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("error", "overloaded");
        problem.put("message", "More events are arriving than Kafka takes (" + message + "); send more slowly,"
                + " retry after " + retryAfterSeconds + " s");
        problem.put("status", 429);
        return Response.status(429, problem).withHeader("Retry-After", Integer.toString(retryAfterSeconds));
    }

    private Response unavailable(int events, String code, String message) {
        unavailable.increment();
        LOG.warn("Answering 503 {} to an ingestion request of {} events: {}", code, events, message);
        Map<String, Object> problem = new LinkedHashMap<>();
        problem.put("error", code);
        problem.put("message", "Kafka cannot take the events now (" + message + "); retry after "
                + retryAfterSeconds + " s");
        problem.put("status", 503);
        return Response.status(503, problem).withHeader("Retry-After", Integer.toString(retryAfterSeconds));
    }

    private void requireKnownPipeline(Request request) {
        String pipeline = request.pathParam("pipeline");
        if (!pipeline.equals(ingestor.spec().pipeline())) {
            throw HttpProblem.notFound("Unknown pipeline '" + excerpt(pipeline) + "'; this service ingests for"
                    + " pipeline '" + ingestor.spec().pipeline() + "'");
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

    private static byte[] sha256(byte[] bytes, int offset, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes, offset, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    private static String excerpt(String text) {
        return text.length() <= 64 ? text : text.substring(0, 64) + "...";
    }

    /**
     * The counts and only the rejected events (so the answer to a large batch stays small); the event id too when the
     * request held one event. 422 when every event was rejected (they are quarantined all the same).
     */
    private static Response answer(EventIngestor.Outcome outcome) {
        List<Map<String, Object>> rejections = new ArrayList<>();
        for (EventIngestor.Result result : outcome.results()) {
            if (result.accepted()) {
                continue;
            }
            Map<String, Object> item = new LinkedHashMap<>();
            item.put("index", result.index());
            item.put("event_id", result.eventId());
            List<Map<String, Object>> reasons = new ArrayList<>();
            for (Violation violation : result.reasons()) {
                Map<String, Object> reason = new LinkedHashMap<>();
                reason.put("code", violation.code().name());
                reason.put("field", violation.field());
                reason.put("detail", violation.detail());
                reasons.add(reason);
            }
            item.put("reasons", reasons);
            rejections.add(item);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        boolean allRejected = outcome.accepted() == 0;
        if (allRejected) {
            body.put("error", "rejected");
            body.put("message", outcome.rejected() == 1 ? "The event is not valid; it was quarantined with its reasons"
                    : "None of the " + outcome.rejected() + " events is valid; they were quarantined with their reasons");
            body.put("status", 422);
        }
        body.put("accepted", outcome.accepted());
        body.put("rejected", outcome.rejected());
        if (outcome.results().size() == 1) {
            body.put("event_id", outcome.results().get(0).eventId());
        }
        body.put("rejections", rejections);
        return Response.status(allRejected ? 422 : 200, body);
    }
}
