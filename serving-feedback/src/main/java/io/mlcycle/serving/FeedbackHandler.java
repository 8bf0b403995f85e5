package io.mlcycle.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.avro.Feedback;
import io.mlcycle.mlcore.gates.FutureTimeLimit;
import io.mlcycle.mlcore.gates.LabelCodec;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.http.Handler;
import io.mlcycle.platform.http.HttpProblem;
import io.mlcycle.platform.http.Request;
import io.mlcycle.platform.http.Response;
import io.mlcycle.platform.lifecycle.EventIds;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.common.errors.RecordTooLargeException;

/**
 * {@code POST /v1/pipelines/{pipeline}/feedback}: accepts one outcome {@code {"event_id": "...", "label": ...,
 * "observed_at"?: ISO-8601 or epoch millis, "source"?: "..."}} or a JSON array of them (or {@code {"feedback":
 * [...]}}), checks them (event id and label required, the label inside the spec's label domain, {@code observed_at} no
 * more than the spec's {@code data.max_future} after the server's clock: the rule of validation's event-time gate,
 * {@link FutureTimeLimit}) and writes them to {@code <p>.feedback}, answering 202 once the broker has acknowledged
 * every record.
 */
public final class FeedbackHandler implements Handler {
    private static final String BATCH_FIELD = "feedback";

    private final PipelineSpec spec;
    private final LabelCodec labels;
    private final FutureTimeLimit maxFuture;
    private final FeedbackSink sink;
    private final Clock clock;
    private final int maxRecords;
    private final Duration sendTimeout;

    public FeedbackHandler(PipelineSpec spec, FeedbackSink sink, Clock clock, int maxRecords, Duration sendTimeout) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.labels = new LabelCodec(spec);
        this.maxFuture = FutureTimeLimit.of(spec);
        this.sink = Objects.requireNonNull(sink, "sink");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxRecords = maxRecords;
        this.sendTimeout = Objects.requireNonNull(sendTimeout, "sendTimeout");
    }

    @Override
    public Response handle(Request request) throws InterruptedException {
        HttpRequests.requirePipeline(request, spec.pipeline());
        HttpRequests.Body body = HttpRequests.records(request, BATCH_FIELD, maxRecords);
        List<Feedback> feedback = new ArrayList<>();
        List<Map<String, Object>> problems = new ArrayList<>();
        Instant now = clock.instant();
        for (int i = 0; i < body.items().size(); i++) {
            List<Violation> violations = new ArrayList<>();
            Feedback parsed = parse(body.items().get(i), now, violations);
            if (!violations.isEmpty()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("index", i);
                entry.put("reasons", HttpRequests.reasons(violations));
                problems.add(entry);
            } else {
                feedback.add(parsed);
            }
        }
        if (!problems.isEmpty()) {
            Map<String, Object> answer = new LinkedHashMap<>();
            answer.put("error", "invalid_feedback");
            answer.put("message", problems.size() + " of " + body.items().size()
                    + " feedback record(s) are invalid; nothing was written");
            answer.put("status", 422);
            answer.put("records", problems);
            return Response.status(422, answer);
        }
        List<CompletableFuture<Void>> sends = feedback.stream().map(sink::send).toList();
        try {
            CompletableFuture.allOf(sends.toArray(CompletableFuture[]::new))
                    .get(sendTimeout.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RecordTooLargeException) {
                // No retry can succeed: the client must send less, so this is not a 503.
                throw new HttpProblem(413, "record_too_large", "A feedback record is too large to be written to "
                        + "Kafka: " + e.getCause().getMessage());
            }
            throw new HttpProblem(503, "kafka_unavailable", "The feedback could not be written to Kafka within "
                    + sendTimeout + "; retry later (writing the same feedback twice is safe: the first one wins)");
        } catch (TimeoutException e) {
            throw new HttpProblem(503, "kafka_unavailable", "The feedback could not be written to Kafka within "
                    + sendTimeout + "; retry later (writing the same feedback twice is safe: the first one wins)");
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("accepted", feedback.size());
        answer.put("event_ids", feedback.stream().map(Feedback::getEventId).toList());
        return Response.accepted(answer);
    }

    private Feedback parse(JsonNode item, Instant now, List<Violation> violations) {
        if (!item.isObject()) {
            violations.add(new Violation(ReasonCode.MALFORMED_JSON, null, "each feedback must be a JSON object"));
            return null;
        }
        String eventId = null;
        JsonNode id = item.get("event_id");
        if (id == null || id.isNull() || (id.isTextual() && id.textValue().isBlank())) {
            violations.add(new Violation(ReasonCode.MISSING_REQUIRED, "event_id", "event_id is required"));
        } else if (id.isTextual() || id.isIntegralNumber()) {
            eventId = id.asText().trim();
            if (eventId.length() > EventIds.MAX_LENGTH) {
                violations.add(new Violation(ReasonCode.OUT_OF_RANGE, "event_id", "event_id is "
                        + eventId.length() + " characters long; at most " + EventIds.MAX_LENGTH + " are allowed"));
            }
        } else {
            violations.add(new Violation(ReasonCode.WRONG_TYPE, "event_id", "event_id must be a string"));
        }
        String label = null;
        JsonNode labelNode = item.get("label");
        if (labelNode == null || labelNode.isNull()) {
            violations.add(new Violation(ReasonCode.MISSING_REQUIRED, "label", "label is required"));
        } else if (!labelNode.isValueNode()) {
            violations.add(new Violation(ReasonCode.WRONG_TYPE, "label", "label must be a single value"));
        } else {
            Object value = labelNode.isBoolean() ? (Object) labelNode.booleanValue()
                    : labelNode.isNumber() ? (Object) labelNode.numberValue() : labelNode.asText();
            labels.validate(value).ifPresentOrElse(violations::add, () -> { });
            label = labelNode.asText().trim();
        }
        Instant observedAt = now;
        JsonNode observed = item.get("observed_at");
        if (observed != null && !observed.isNull()) {
            if (observed.isIntegralNumber()) {
                observedAt = Instant.ofEpochMilli(observed.longValue());
            } else if (observed.isTextual()) {
                try {
                    observedAt = OffsetDateTime.parse(observed.textValue().trim()).toInstant();
                } catch (DateTimeParseException e) {
                    violations.add(new Violation(ReasonCode.WRONG_TYPE, "observed_at", "observed_at '"
                            + observed.textValue() + "' is not an ISO-8601 time with offset (e.g. "
                            + "2025-01-31T12:00:00Z) nor epoch milliseconds"));
                }
            } else {
                violations.add(new Violation(ReasonCode.WRONG_TYPE, "observed_at",
                        "observed_at must be ISO-8601 text or epoch milliseconds"));
            }
        }
        try {
            // observed_at is written as epoch milliseconds: a time beyond that range (e.g. year +999999999) is
            // the client's error (422), not a Kafka failure the client should retry (503).
            observedAt.toEpochMilli();
            // An outcome observed far in the future is a client's clock or unit error; the same limit as event times.
            maxFuture.check("observed_at", observedAt, now).ifPresent(violations::add);
        } catch (ArithmeticException e) {
            violations.add(new Violation(ReasonCode.OUT_OF_RANGE, "observed_at", "observed_at " + observedAt
                    + " is outside the range of epoch milliseconds"));
        }
        JsonNode sourceNode = item.get("source");
        String source = sourceNode == null || sourceNode.isNull() ? "http" : sourceNode.asText();
        if (!violations.isEmpty()) {
            return null;
        }
        return Feedback.newBuilder().setEventId(eventId).setLabel(label).setObservedAt(observedAt).setSource(source)
                .build();
    }
}
