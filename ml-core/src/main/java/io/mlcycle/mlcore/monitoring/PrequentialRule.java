package io.mlcycle.mlcore.monitoring;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The prequential rule of a replay: no event may be scored by a model that learnt from an outcome observed after the
 * event's time. Checked from the prediction log and, per version, the latest observation time of the outcomes in its
 * training dataset (from its lineage's offset ranges).
 */
public final class PrequentialRule {

    private PrequentialRule() {
    }

    /** A scored event: its id, event time and the version that scored it. */
    public record Scored(String eventId, long eventTime, String modelVersion) {
    }

    /** A breach: the event, the version, and the latest outcome observation time that version learnt from. */
    public record Violation(String eventId, long eventTime, String modelVersion, long latestOutcomeObservedAt) {
    }

    /**
     * The violations among {@code predictions}, given the latest outcome observation time per version. A version
     * missing from the map is itself a violation of traceability: its training data is unknown, so every event it
     * scored is reported with {@code Long.MAX_VALUE}.
     */
    public static List<Violation> check(List<Scored> predictions, Map<String, Long> latestOutcomeObservedAtByVersion) {
        List<Violation> violations = new ArrayList<>();
        for (Scored prediction : predictions) {
            Long latest = latestOutcomeObservedAtByVersion.get(prediction.modelVersion());
            long bound = latest == null ? Long.MAX_VALUE : latest;
            if (bound > prediction.eventTime()) {
                violations.add(new Violation(prediction.eventId(), prediction.eventTime(), prediction.modelVersion(),
                        bound));
            }
        }
        return violations;
    }
}
