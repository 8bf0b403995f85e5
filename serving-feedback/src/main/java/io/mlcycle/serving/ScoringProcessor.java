package io.mlcycle.serving;

import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.PredictionSummary;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.gates.ReasonCode;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.streams.processor.api.Record;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores each validated event with the models serving ({@link Scoring}: champion or canary answers, shadows score
 * too; nothing before a champion exists), logs every prediction to {@code <p>.predictions}, and remembers the event
 * and its predictions for the feedback join.
 */
final class ScoringProcessor extends JoinProcessor {
    private static final Logger LOG = LoggerFactory.getLogger(ScoringProcessor.class);
    static final String SOURCE_STREAM = "stream";

    private final ModelSource models;
    private long lastFailureLogMs = Long.MIN_VALUE;

    ScoringProcessor(JoinSettings settings, ModelSource models, ServingMetrics metrics) {
        super(settings, metrics);
        this.models = models;
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String eventId = eventId(record);
        if (eventId == null) {
            quarantine(record, QuarantineStage.SERVING, ReasonCode.MISSING_REQUIRED, "event_id",
                    "a validated event has no key; the key must be the event id", null);
            return;
        }
        if (quarantineIfOversized(record, eventId)) {
            return;
        }
        Optional<GenericRecord> decoded = decode(record, settings.serdes().validated().deserializer(),
                GenericRecord.class, eventId);
        if (decoded.isEmpty()) {
            return;
        }
        GenericRecord event = decoded.get();
        JoinState state = loadOrCreate(eventId, record.timestamp());
        if (state.event() != null && state.event().fromValidated()) {
            metrics.duplicateEvent();
            return;
        }
        Map<String, Object> features = FeatureValues.normalise(settings.featureExtractor().features(event));
        String entityKey = text(field(event, settings.spec().data().key()));
        Long eventTime = millis(field(event, settings.spec().data().eventTime()));
        long eventTimeMs = eventTime == null ? record.timestamp() : eventTime;

        state = state.withEvent(new JoinState.EventInfo(entityKey, features, eventTimeMs, true));
        List<Prediction> predictions = score(eventId, entityKey, features, eventTime);
        if (predictions.isEmpty()) {
            metrics.predictionSkipped("no_model");
        }
        for (Prediction prediction : predictions) {
            context.forward(new Record<String, Object>(eventId, prediction, record.timestamp()),
                    ServingTopology.PREDICTIONS_SINK);
            metrics.prediction(prediction.getVariant(), SOURCE_STREAM);
            state = state.withPrediction(summary(prediction));
            // Counted for the online metrics here: read back from the log, the collector knows it and skips it.
            context.forward(new Record<String, Object>(eventId, new MonitorInput.Predicted(prediction,
                    state.firstSeenAtMs()), record.timestamp()), ServingTopology.MONITOR);
        }
        joinAndSave(eventId, state, record.timestamp());
    }

    private List<Prediction> score(String eventId, String entityKey, Map<String, Object> features, Long eventTime) {
        ServingModels serving = models.models();
        try {
            return Scoring.predict(serving, settings.spec().canary(), new Scoring.Event(settings.pipeline(), eventId,
                    entityKey, features, eventTime == null ? null : Instant.ofEpochMilli(eventTime),
                    Instant.ofEpochMilli(now()), SOURCE_STREAM));
        } catch (RuntimeException e) {
            metrics.scoringFailure();
            long now = now();
            // One line per minute at most: a broken model would otherwise flood the log, the counter has the count.
            // MIN_VALUE means "never logged"; now - MIN_VALUE would overflow to a negative number.
            if (lastFailureLogMs == Long.MIN_VALUE || now - lastFailureLogMs > 60_000L) {
                lastFailureLogMs = now;
                LOG.warn("Model {} failed to score event {}: {}", serving.champion() == null ? "none"
                        : serving.champion().version(), eventId, e.toString());
            }
            return List.of();
        }
    }

    static PredictionSummary summary(Prediction prediction) {
        return PredictionSummary.newBuilder()
                .setPredictionId(prediction.getPredictionId())
                .setModelVersion(prediction.getModelVersion())
                .setVariant(prediction.getVariant())
                .setScore(prediction.getScore())
                .setDecision(prediction.getDecision())
                .build();
    }

    private static Object field(GenericRecord record, String name) {
        return record.getSchema().getField(name) == null ? null : record.get(name);
    }

    private static String text(Object value) {
        return value == null ? null : value.toString();
    }

    private static Long millis(Object value) {
        if (value instanceof Long l) {
            return l;
        }
        if (value instanceof Instant instant) {
            return instant.toEpochMilli();
        }
        if (value instanceof Number n) {
            return n.longValue();
        }
        return null;
    }
}
