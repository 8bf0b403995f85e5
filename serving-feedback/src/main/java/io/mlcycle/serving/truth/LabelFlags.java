package io.mlcycle.serving.truth;

import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.PredictionSummary;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.monitoring.LabelNoiseDetector;
import java.util.Optional;

/**
 * Puts the label-noise detector's verdict on a labeled example: the champion's logged prediction (made before the
 * outcome was known, so out of sample) is judged against the outcome with the per-class thresholds in
 * {@code state}. Used by the feedback join, which owns {@code <p>.examples.labeled}: before it forwards an example,
 * {@code LabelFlags.apply(detector, state, example)} returns the example with {@code label_suspect},
 * {@code label_self_confidence} and {@code label_suspect_margin} set, and the next state to store.
 */
public final class LabelFlags {

    /** The flagged example and the detector state to keep. */
    public record Flagged(LabeledExample example, LabelNoiseDetector.State next,
                          Optional<LabelNoiseDetector.Verdict> verdict) {
    }

    private LabelFlags() {
    }

    /** The champion's (served) prediction of an example, if it has one. */
    public static Optional<PredictionSummary> championPrediction(LabeledExample example) {
        return example.getPredictions().stream().filter(p -> p.getVariant() == Variant.CHAMPION).findFirst();
    }

    public static Flagged apply(LabelNoiseDetector detector, LabelNoiseDetector.State state, LabeledExample example) {
        Optional<PredictionSummary> prediction = championPrediction(example);
        // a score that is no probability (a foreign producer's NaN) cannot be judged, and must not stop the join
        if (prediction.isEmpty() || !(prediction.get().getScore() >= 0 && prediction.get().getScore() <= 1)) {
            return new Flagged(example, state, Optional.empty());
        }
        LabelNoiseDetector.Verdict verdict = detector.judge(state, example.getPositive(),
                prediction.get().getScore());
        LabeledExample flagged = LabeledExample.newBuilder(example)
                .setLabelSuspect(verdict.flagged())
                .setLabelSelfConfidence(verdict.selfConfidence())
                .setLabelSuspectMargin(Double.isNaN(verdict.margin()) ? null : verdict.margin())
                .build();
        return new Flagged(flagged, verdict.next(), Optional.of(verdict));
    }
}
