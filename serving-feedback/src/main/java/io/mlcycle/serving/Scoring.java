package io.mlcycle.serving;

import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.spec.CanarySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Scores one event with every model serving, the one place the stream and the HTTP path decide who answers:
 * <ul>
 *   <li>the canary answers when {@link CanaryAssignment} gives it the entity (variant CANARY, served); the champion
 *       then scores the same event unserved, so the two are compared on the same outcomes;</li>
 *   <li>otherwise the champion answers (variant CHAMPION, served);</li>
 *   <li>each shadow scores every event (variant SHADOW, never served).</li>
 * </ul>
 * The served prediction comes first in the list; every prediction is logged.
 */
final class Scoring {
    private Scoring() {
    }

    /** Identity of the event being scored. */
    record Event(String pipeline, String eventId, String entityKey, Map<String, Object> features, Instant eventTime,
                 Instant predictedAt, String source) {
    }

    /** The predictions for one event, served first; empty without a champion. */
    static List<Prediction> predict(ServingModels models, CanarySpec canarySpec, Event event) {
        LoadedModel champion = models.champion();
        if (champion == null) {
            return List.of();
        }
        List<Prediction> out = new ArrayList<>(2 + models.shadows().size());
        LoadedModel canary = models.canary();
        String unit = event.entityKey() == null ? event.eventId() : event.entityKey();
        if (canary != null && CanaryAssignment.toCanary(canary.version(), unit, canarySpec.fraction())) {
            out.add(predict(canary, event, Variant.CANARY, true));
            out.add(predict(champion, event, Variant.CHAMPION, false));
        } else {
            out.add(predict(champion, event, Variant.CHAMPION, true));
        }
        for (LoadedModel shadow : models.shadows()) {
            out.add(predict(shadow, event, Variant.SHADOW, false));
        }
        return out;
    }

    private static Prediction predict(LoadedModel model, Event event, Variant variant, boolean served) {
        return model.predict(event.pipeline(), event.eventId(), event.entityKey(), event.features(),
                event.eventTime(), event.predictedAt(), event.source(), variant, served);
    }
}
