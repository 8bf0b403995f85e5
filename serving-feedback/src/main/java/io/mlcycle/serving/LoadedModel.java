package io.mlcycle.serving;

import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.Variant;
import io.mlcycle.platform.lifecycle.EventIds;

import io.mlcycle.mlcore.model.Scorer;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * A model version that passed the SHA-256 check and warm-up and is ready to score. Immutable: serving swaps whole
 * instances atomically, so a request sees either the old or the new model, never a mix.
 *
 * @param version        registry version, e.g. {@code credit-v3}
 * @param versionNumber  numeric part of the version
 * @param artifactSha256 SHA-256 of the artifact bytes, verified before loading
 * @param artifactFormat artifact format id, e.g. {@code mlcycle.logistic.v1}
 * @param scorer         thread-safe scorer built from the artifact
 * @param threshold      decision threshold (the spec's {@code objective.decision_threshold})
 * @param loadedAt       when this instance finished loading and warming up
 * @param offlineMetrics the version's offline metrics on its holdout, as registered
 */
public record LoadedModel(String version, int versionNumber, String artifactSha256, String artifactFormat,
                          Scorer scorer, double threshold, Instant loadedAt, Map<String, Double> offlineMetrics) {

    public LoadedModel {
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(artifactSha256, "artifactSha256");
        Objects.requireNonNull(scorer, "scorer");
        Objects.requireNonNull(loadedAt, "loadedAt");
        offlineMetrics = offlineMetrics == null ? Map.of() : Map.copyOf(offlineMetrics);
    }

    /** Scores one feature map and times it. */
    public Scored score(Map<String, Object> features) {
        long start = System.nanoTime();
        double score = scorer.score(features);
        long micros = (System.nanoTime() - start) / 1_000L;
        return new Scored(score, score >= threshold, micros);
    }

    /**
     * Scores one event and describes it as the prediction record logged to {@code <p>.predictions} (variant
     * CHAMPION, returned to the caller): the one place both the stream and the HTTP path build it.
     *
     * @param source {@code stream} or {@code http}
     */
    public Prediction predict(String pipeline, String eventId, String entityKey, Map<String, Object> features,
                              Instant eventTime, Instant predictedAt, String source) {
        return predict(pipeline, eventId, entityKey, features, eventTime, predictedAt, source, Variant.CHAMPION, true);
    }

    /**
     * As {@link #predict(String, String, String, Map, Instant, Instant, String)} for any variant.
     *
     * @param served whether this prediction is the one returned to the caller
     */
    public Prediction predict(String pipeline, String eventId, String entityKey, Map<String, Object> features,
                              Instant eventTime, Instant predictedAt, String source, Variant variant,
                              boolean served) {
        Scored scored = score(features);
        return Prediction.newBuilder()
                .setPredictionId(EventIds.newTimeOrderedId())
                .setEventId(eventId)
                .setPipeline(pipeline)
                .setEntityKey(entityKey)
                .setModelVersion(version)
                .setVariant(variant)
                .setServed(served)
                .setScore(scored.score())
                .setDecision(scored.decision())
                .setThreshold(threshold)
                .setLatencyMicros(scored.latencyMicros())
                .setFeatures(features)
                .setEventTime(eventTime)
                .setPredictedAt(predictedAt)
                .setSource(source)
                .build();
    }

    /**
     * One scoring result.
     *
     * @param score         probability of the positive class
     * @param decision      {@code score >= threshold}
     * @param latencyMicros time spent in the scorer
     */
    public record Scored(double score, boolean decision, long latencyMicros) {
    }
}
