package io.mlcycle.serving;

import io.mlcycle.avro.Prediction;
import java.util.Optional;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Reads {@code <p>.predictions} (stream and HTTP predictions alike) and remembers each prediction for its event, so
 * labeled examples carry every prediction made for the event. A prediction for an event the join has not seen (an
 * HTTP-only event) also supplies the event side: its logged features, entity key and event time.
 */
final class PredictionCollector extends JoinProcessor {

    PredictionCollector(JoinSettings settings, ServingMetrics metrics) {
        super(settings, metrics);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
        String key = eventId(record);
        if (quarantineIfOversized(record, key)) {
            return;
        }
        Optional<Prediction> decoded = decode(record, settings.serdes().prediction().deserializer(), Prediction.class,
                key);
        if (decoded.isEmpty()) {
            return;
        }
        Prediction prediction = decoded.get();
        if (key == null) {
            rekeyOrQuarantine(record, prediction.getEventId(), ServingTopology.PREDICTIONS_REKEY_SINK);
            return;
        }
        String eventId = key;
        JoinState state = loadOrCreate(eventId, record.timestamp());
        if (state.hasPrediction(prediction.getPredictionId())) {
            return;
        }
        if (state.event() == null) {
            long eventTime = prediction.getEventTime() != null ? prediction.getEventTime().toEpochMilli()
                    : prediction.getPredictedAt().toEpochMilli();
            state = state.withEvent(new JoinState.EventInfo(prediction.getEntityKey(),
                    FeatureValues.normalise(prediction.getFeatures()), eventTime, false));
        }
        JoinState saved = joinAndSave(eventId, state.withPrediction(ScoringProcessor.summary(prediction)),
                record.timestamp());
        context.forward(new Record<String, Object>(eventId, new MonitorInput.Predicted(prediction,
                saved.firstSeenAtMs()), record.timestamp()), ServingTopology.MONITOR);
    }
}
