package io.mlcycle.serving;

import io.mlcycle.avro.PredictionSummary;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What the feedback join remembers about one event id, until the label-delay window expires: the event (features,
 * entity key, event time), the predictions made for it, feedback that arrived before the event, and whether a
 * labeled example has already been emitted (so duplicate feedback is recognised). Immutable.
 *
 * @param firstSeenAtMs event time (record timestamp) of the first record the join saw for this event id; the
 *                      window is measured from it in stream time
 * @param event         the event, or null while only feedback is known
 * @param predictions   predictions made for the event, in arrival order, distinct by prediction id
 * @param feedback      the first feedback received, or null
 * @param labeled       whether the labeled example was emitted
 */
record JoinState(long firstSeenAtMs, EventInfo event, List<PredictionSummary> predictions, PendingFeedback feedback,
                 boolean labeled) {

    JoinState {
        predictions = List.copyOf(predictions);
    }

    static JoinState empty(long nowMs) {
        return new JoinState(nowMs, null, List.of(), null, false);
    }

    JoinState withEvent(EventInfo newEvent) {
        return new JoinState(firstSeenAtMs, newEvent, predictions, feedback, labeled);
    }

    JoinState withFeedback(PendingFeedback newFeedback) {
        return new JoinState(firstSeenAtMs, event, predictions, newFeedback, labeled);
    }

    JoinState markLabeled() {
        return new JoinState(firstSeenAtMs, event, predictions, feedback, true);
    }

    boolean hasPrediction(String predictionId) {
        return predictions.stream().anyMatch(p -> p.getPredictionId().equals(predictionId));
    }

    JoinState withPrediction(PredictionSummary prediction) {
        if (hasPrediction(prediction.getPredictionId())) {
            return this;
        }
        List<PredictionSummary> all = new ArrayList<>(predictions);
        all.add(prediction);
        return new JoinState(firstSeenAtMs, event, all, feedback, labeled);
    }

    /** Feedback is waiting and the event is known, and nothing was emitted yet. */
    boolean readyToEmit() {
        return !labeled && event != null && feedback != null;
    }

    /**
     * The event side of the join.
     *
     * @param entityKey     the spec's key field value, or null
     * @param features      raw feature values (null, Boolean, Integer, Long, Double or String)
     * @param eventTimeMs   event time, epoch millis
     * @param fromValidated true when read from {@code <p>.data.validated}; false when taken from a prediction's
     *                      logged features (an HTTP-only event), which a validated event later replaces
     */
    record EventInfo(String entityKey, Map<String, Object> features, long eventTimeMs, boolean fromValidated) {
        EventInfo {
            Objects.requireNonNull(features, "features");
        }
    }

    /**
     * Feedback waiting for (or matched with) its event.
     *
     * @param label        label text as received
     * @param observedAtMs when the outcome was observed, epoch millis
     * @param source       who reported it, or null
     */
    record PendingFeedback(String label, long observedAtMs, String source) {
        PendingFeedback {
            Objects.requireNonNull(label, "label");
        }
    }
}
