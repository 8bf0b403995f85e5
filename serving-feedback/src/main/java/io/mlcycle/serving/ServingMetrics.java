package io.mlcycle.serving;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.mlcycle.mlcore.normalize.NormalizationListener;
import io.mlcycle.mlcore.normalize.NormalizationRule;
import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.metrics.FixedTagCounters;
import java.util.Arrays;
import io.mlcycle.avro.Variant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The serving-feedback service's own counters (Micrometer; exposed by the platform's {@code /metrics}). Names are
 * stable: dashboards and alerts rely on them.
 */
public final class ServingMetrics {
    public static final String PREDICTIONS = "mlcycle.serving.predictions";
    public static final String PREDICTIONS_SKIPPED = "mlcycle.serving.predictions.skipped";
    public static final String SCORING_FAILURES = "mlcycle.serving.scoring.failures";
    public static final String PREDICTION_LOG_FAILURES = "mlcycle.serving.prediction.log.failures";
    public static final String MODEL_SWAPS = "mlcycle.serving.model.swaps";
    public static final String MODEL_REFUSED = "mlcycle.serving.model.refused";
    public static final String FEEDBACK_RECEIVED = "mlcycle.feedback.received";
    public static final String FEEDBACK_JOINED = "mlcycle.feedback.joined";
    public static final String FEEDBACK_LABEL_SUSPECT = "mlcycle.feedback.label.suspect";
    public static final String FEEDBACK_UNMATCHED = "mlcycle.feedback.unmatched";
    public static final String FEEDBACK_LATE = "mlcycle.feedback.late";
    public static final String FEEDBACK_DUPLICATE = "mlcycle.feedback.duplicate";
    public static final String FEEDBACK_INVALID_LABEL = "mlcycle.feedback.invalid.label";
    public static final String QUARANTINED = "mlcycle.serving.quarantined";
    public static final String DUPLICATE_EVENTS = "mlcycle.serving.events.duplicate";
    public static final String NORMALIZATIONS = "mlcycle.serving.normalizations";

    private final MeterRegistry registry;
    private final String pipeline;
    private final Map<Variant, Map<String, Counter>> predictions = new EnumMap<>(Variant.class);
    /** Counters built once: registering looks the meter up by id, which allocates on every call. */
    private final Map<CounterKey, Counter> counters = new ConcurrentHashMap<>();

    private record CounterKey(String name, List<String> tags) {
    }

    public ServingMetrics(MeterRegistry registry, String pipeline) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.pipeline = Objects.requireNonNull(pipeline, "pipeline");
        for (Variant variant : Variant.values()) {
            predictions.put(variant, new ConcurrentHashMap<>());
        }
    }

    /** Counters kept in memory only, for tests and tools that do not export metrics. */
    public static ServingMetrics inMemory(String pipeline) {
        return new ServingMetrics(new SimpleMeterRegistry(), pipeline);
    }

    public MeterRegistry registry() {
        return registry;
    }

    /**
     * Counts the normalisations predict applies, tagged {@code field} and {@code rule} (the spec's fields and the
     * fixed rule set, never raw input).
     */
    public NormalizationListener normalizations(PipelineSpec spec) {
        FixedTagCounters counters = new FixedTagCounters(registry, NORMALIZATIONS,
                "values changed by a declared normalisation", Tags.of("pipeline", pipeline), "field",
                spec.data().fields().stream().map(FieldSpec::name).toList(), "rule",
                Arrays.stream(NormalizationRule.values()).map(NormalizationRule::key).toList());
        return (field, rule) -> counters.increment(field, rule.key());
    }

    /** On the predict path: looked up without allocating once the counter exists. */
    public void prediction(Variant variant, String source) {
        Map<String, Counter> bySource = predictions.get(variant);
        Counter counter = bySource.get(source);
        if (counter == null) {
            counter = bySource.computeIfAbsent(source, s -> counter(PREDICTIONS, "variant", variant.name(), "source", s));
        }
        counter.increment();
    }

    public void predictionSkipped(String reason) {
        counter(PREDICTIONS_SKIPPED, "reason", reason).increment();
    }

    public void scoringFailure() {
        counter(SCORING_FAILURES).increment();
    }

    public void predictionLogFailure() {
        counter(PREDICTION_LOG_FAILURES).increment();
    }

    public void modelSwapped() {
        counter(MODEL_SWAPS).increment();
    }

    public void modelRefused() {
        counter(MODEL_REFUSED).increment();
    }

    public void feedbackReceived() {
        counter(FEEDBACK_RECEIVED).increment();
    }

    public void feedbackJoined() {
        counter(FEEDBACK_JOINED).increment();
    }

    /** A joined outcome whose label the label-noise detector flagged as suspect. */
    public void labelFlagged() {
        counter(FEEDBACK_LABEL_SUSPECT).increment();
    }

    public void feedbackUnmatched(long count) {
        counter(FEEDBACK_UNMATCHED).increment(count);
    }

    public void feedbackLate() {
        counter(FEEDBACK_LATE).increment();
    }

    public void feedbackDuplicate() {
        counter(FEEDBACK_DUPLICATE).increment();
    }

    public void feedbackInvalidLabel() {
        counter(FEEDBACK_INVALID_LABEL).increment();
    }

    public void quarantined(String reasonCode) {
        counter(QUARANTINED, "reason", reasonCode).increment();
    }

    public void duplicateEvent() {
        counter(DUPLICATE_EVENTS).increment();
    }

    /** Current value of a counter (summed over every tag combination), 0 when never incremented. */
    public double count(String name) {
        return registry.find(name).tag("pipeline", pipeline).counters().stream().mapToDouble(Counter::count).sum();
    }

    /** Current value of a counter with the given tags, 0 when never incremented. */
    public double count(String name, String... tags) {
        return registry.find(name).tag("pipeline", pipeline).tags(tags).counters().stream()
                .mapToDouble(Counter::count).sum();
    }

    private Counter counter(String name, String... tags) {
        return counters.computeIfAbsent(new CounterKey(name, List.of(tags)),
                key -> Counter.builder(name).tag("pipeline", pipeline).tags(tags).register(registry));
    }
}
