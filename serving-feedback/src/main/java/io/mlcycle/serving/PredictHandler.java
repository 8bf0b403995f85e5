package io.mlcycle.serving;

import com.fasterxml.jackson.databind.JsonNode;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.features.FeatureExtractor;
import io.mlcycle.mlcore.gates.Conversion;
import io.mlcycle.mlcore.gates.GateResult;
import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.gates.RecordGates;
import io.mlcycle.mlcore.gates.Violation;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.http.Handler;
import io.mlcycle.platform.http.HttpProblem;
import io.mlcycle.platform.http.Request;
import io.mlcycle.platform.http.Response;
import io.mlcycle.platform.lifecycle.EventIds;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.avro.generic.GenericRecord;

/**
 * {@code POST /v1/pipelines/{pipeline}/predict}: scores one JSON record, a JSON array, or {@code {"records": [...]}}
 * with the models serving ({@link Scoring}: the champion, or the canary for its share of entities; shadows score
 * too but are never returned). Each record passes the very same conversion and record gates as validation (ml-core's
 * {@link JsonRecordConverter} and {@link RecordGates}, the event-time limit {@code data.max_future} against this
 * server's clock included, so that a bogus far-future event time never reaches {@code <p>.predictions} and the
 * online-truth progress); if any record is invalid the request is answered 422 with
 * the reasons per record and nothing is scored. Every prediction is logged to {@code <p>.predictions} (source
 * "http"), keyed by the record's {@code event_id}, the {@code Idempotency-Key} header, or a generated id. Never
 * blocks: the body is converted by streaming from its bytes and the predictions are handed to a non-blocking
 * {@link PredictionLog}, so small requests are answered on the event loop ({@link #inlineMaxBodyBytes}).
 */
public final class PredictHandler implements Handler {
    static final String SOURCE_HTTP = "http";
    static final String EVENT_ID_FIELD = "event_id";
    private static final String BATCH_FIELD = "records";
    /**
     * Bodies up to this size (one record is about 200 bytes) are answered on the HTTP event loop: conversion, gates,
     * scoring and handing the predictions to the log queue take microseconds and never block; larger batches go to
     * a worker so that they do not hold the loop's other connections.
     */
    static final int INLINE_MAX_BODY_BYTES = 4096;

    /**
     * The largest body answered on the event loop while {@code models} serve: {@link #INLINE_MAX_BODY_BYTES} for one
     * model, shared out among them when a canary and shadows score each record too, so that the time a request
     * holds the loop stays about the same whatever is under test.
     */
    static int inlineMaxBodyBytes(ServingModels models) {
        int scoring = (models.champion() != null ? 1 : 0) + (models.canary() != null ? 1 : 0) + models.shadows().size();
        return INLINE_MAX_BODY_BYTES / Math.max(1, scoring);
    }

    private final PipelineSpec spec;
    private final JsonRecordConverter converter;
    private final RecordGates gates;
    private final FeatureExtractor features;
    private final ModelSource models;
    private final PredictionLog predictionLog;
    private final ServingMetrics metrics;
    private final Clock clock;
    private final int maxRecords;
    private final boolean eventIdIsDataField;

    /** A handler scoring with a champion only (no canary, no shadow). */
    public PredictHandler(PipelineSpec spec, Supplier<Optional<LoadedModel>> champion, PredictionLog predictionLog,
                          ServingMetrics metrics, Clock clock, int maxRecords) {
        this(spec, ModelSource.championOnly(Objects.requireNonNull(champion, "champion")), predictionLog, metrics,
                clock, maxRecords);
    }

    public PredictHandler(PipelineSpec spec, ModelSource models, PredictionLog predictionLog,
                          ServingMetrics metrics, Clock clock, int maxRecords) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.converter = new JsonRecordConverter(spec, Objects.requireNonNull(metrics, "metrics").normalizations(spec));
        this.gates = new RecordGates(spec);
        this.features = new FeatureExtractor(spec);
        this.models = Objects.requireNonNull(models, "models");
        this.predictionLog = Objects.requireNonNull(predictionLog, "predictionLog");
        this.metrics = Objects.requireNonNull(metrics, "metrics");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.maxRecords = maxRecords;
        this.eventIdIsDataField = spec.field(EVENT_ID_FIELD).isPresent();
    }

    @Override
    public Response handle(Request request) {
        HttpRequests.requirePipeline(request, spec.pipeline());
        HttpRequests.requireJsonIfDeclared(request);
        Optional<String> idempotencyKey = request.header("Idempotency-Key").map(String::trim).filter(s -> !s.isEmpty());
        Instant now = clock.instant();
        // Streamed straight from the body's bytes into the spec's field slots: no tree, no copy of the body.
        Checks checks = request.readBody((bytes, offset, length) -> {
            HttpRequests.Spans spans = HttpRequests.spans(bytes, offset, length, BATCH_FIELD, maxRecords);
            List<Checked> checked = new ArrayList<>(spans.items().size());
            for (int i = 0; i < spans.items().size(); i++) {
                checked.add(check(bytes, spans.items().get(i), i, spans.batch(), idempotencyKey, now));
            }
            return new Checks(checked, spans.batch());
        });
        List<Checked> checked = checks.checked();
        for (Checked record : checked) {
            if (!record.violations().isEmpty()) {
                return Response.status(422, invalid(checked, checks.batch()));
            }
        }
        ServingModels serving = models.models();
        if (serving.champion() == null) {
            throw new HttpProblem(503, "no_model", "Pipeline '" + spec.pipeline()
                    + "' has no champion model loaded yet; retry once one is promoted");
        }
        if (!checks.batch()) {
            return Response.ok(score(serving, checked.get(0)));
        }
        List<Map<String, Object>> results = new ArrayList<>(checked.size());
        for (Checked record : checked) {
            results.add(score(serving, record));
        }
        return Response.ok(Map.of("predictions", results));
    }

    private Checked check(byte[] body, HttpRequests.Span span, int index, boolean batch,
                          Optional<String> idempotencyKey, Instant now) {
        // event_id is the caller's, not the record's (unless the spec declares it): captured, never an unknown field
        JsonRecordConverter.Capture capture = eventIdIsDataField ? null
                : new JsonRecordConverter.Capture(EVENT_ID_FIELD);
        Conversion conversion = converter.convert(body, span.start(), span.length(), capture);
        String eventId = null;
        if (capture != null && capture.present()) {
            JsonNode id = capture.value();
            if (id.isTextual() && !id.textValue().isBlank()) {
                eventId = id.textValue().trim();
            } else if (id.isIntegralNumber()) {
                eventId = id.asText();
            } else if (!id.isNull()) {
                return new Checked(index, null, null, List.of(new Violation(ReasonCode.WRONG_TYPE, EVENT_ID_FIELD,
                        "event_id must be a non-blank string")));
            }
        }
        if (eventId == null && idempotencyKey.isPresent()) {
            eventId = batch ? idempotencyKey.get() + "-" + index : idempotencyKey.get();
        }
        if (eventId == null) {
            eventId = EventIds.newTimeOrderedId();
        }
        if (eventId.length() > EventIds.MAX_LENGTH) {
            return new Checked(index, EventIds.fitAsKey(eventId), null, List.of(new Violation(
                    ReasonCode.OUT_OF_RANGE, EVENT_ID_FIELD, "event_id is " + eventId.length()
                    + " characters long; at most " + EventIds.MAX_LENGTH + " are allowed")));
        }
        if (!conversion.ok() || conversion.record() == null) {
            return new Checked(index, eventId, null, conversion.violations());
        }
        GateResult gated = gates.check(conversion.record(), now);
        return new Checked(index, eventId, gated.record(), gated.violations());
    }

    private Map<String, Object> score(ServingModels serving, Checked record) {
        Map<String, Object> featureValues = FeatureValues.normalise(features.features(record.record()));
        Object key = record.record().get(spec.data().key());
        Object eventTime = record.record().get(spec.data().eventTime());
        List<Prediction> predictions = Scoring.predict(serving, spec.canary(), new Scoring.Event(spec.pipeline(),
                record.eventId(), key == null ? null : key.toString(), featureValues,
                eventTime instanceof Long millis ? Instant.ofEpochMilli(millis)
                        : eventTime instanceof Instant instant ? instant : null, clock.instant(), SOURCE_HTTP));
        for (Prediction logged : predictions) {
            predictionLog.log(logged);
            metrics.prediction(logged.getVariant(), SOURCE_HTTP);
        }
        Prediction prediction = predictions.get(0);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("event_id", prediction.getEventId());
        result.put("prediction_id", prediction.getPredictionId());
        result.put("model_version", prediction.getModelVersion());
        result.put("variant", prediction.getVariant().name());
        result.put("score", prediction.getScore());
        result.put("decision", prediction.getDecision());
        result.put("threshold", prediction.getThreshold());
        return result;
    }

    private Map<String, Object> invalid(List<Checked> checked, boolean batch) {
        List<Map<String, Object>> records = new ArrayList<>();
        long invalidCount = 0;
        for (Checked record : checked) {
            Map<String, Object> entry = new LinkedHashMap<>();
            entry.put("index", record.index());
            entry.put("event_id", record.eventId());
            entry.put("valid", record.violations().isEmpty());
            entry.put("reasons", HttpRequests.reasons(record.violations()));
            records.add(entry);
            if (!record.violations().isEmpty()) {
                invalidCount++;
            }
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", "invalid_records");
        body.put("message", invalidCount + " of " + checked.size() + " record(s) failed the pipeline's record gates"
                + (batch ? "; nothing was scored" : ""));
        body.put("status", 422);
        body.put("records", records);
        return body;
    }

    private record Checked(int index, String eventId, GenericRecord record, List<Violation> violations) {
    }

    private record Checks(List<Checked> checked, boolean batch) {
    }
}
