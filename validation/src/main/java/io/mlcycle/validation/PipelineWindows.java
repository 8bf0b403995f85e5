package io.mlcycle.validation;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.profile.WindowSummary;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Windows of the whole pipeline: runs on a single partition that receives every task's partial summaries
 * ({@link ValidationOutput.Partial}), merges them, and when {@code drift.window_records} records are together closes
 * the window: a {@link ValidationOutput.Report} (counts, violations, KLL quantiles, frequent items, drift against the
 * champion's reference), {@link ValidationOutput.QualityAlert}s for missed window expectations and, if a feature
 * drifted, a {@link ValidationOutput.DriftFinding}. Windows of the features serving scored (kind
 * {@link #SERVING}) are compared the same way: a crossing there is a training/serving skew finding.
 *
 * <p>So a window means the same number of records whatever the partition count: with 12 partitions and windows of
 * 1,000, the drift test sees 1,000 records, not 83 per partition. A window closes at the first partial that brings
 * it to its size, so it may hold up to one partial (a quarter window of one task) more. The open windows and their
 * sequence numbers are in a changelogged store (cached: one changelog write per commit, not per partial), so they
 * survive restarts consistently with the outputs under exactly-once.
 */
final class PipelineWindows extends ContextualProcessor<String, byte[], String, ValidationOutput> {

    static final String STORE = "pipeline-windows";
    static final String DATA = "data";
    static final String SERVING = "serving";

    private static final Logger LOG = LoggerFactory.getLogger(PipelineWindows.class);
    private static final String SEQUENCE = "sequence:";

    private final PipelineSpec spec;
    private final QualityReporter reporter;
    private final ModelRegistryMirror registry;
    private final List<FeatureDefinition> definitions;
    private KeyValueStore<String, byte[]> store;
    private KeyValueStore<Bytes, byte[]> models;

    PipelineWindows(PipelineSpec spec, QualityReporter reporter, ModelRegistryMirror registry) {
        this.spec = spec;
        this.reporter = reporter;
        this.registry = registry;
        this.definitions = FeatureDefinition.fromSpec(spec);
    }

    @Override
    public void init(ProcessorContext<String, ValidationOutput> context) {
        super.init(context);
        store = context.getStateStore(STORE);
        models = context.getStateStore(ModelRegistryMirror.STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String kind = SERVING.equals(record.key()) ? SERVING : DATA;
        WindowSummary partial;
        try {
            partial = WindowSummary.fromBytes(definitions, record.value());
        } catch (RuntimeException e) {
            // Only after a spec change across a restart (other features): the partial cannot be merged.
            LOG.warn("Dropping a {} window partial of pipeline {} that does not match the spec: {}", kind,
                    spec.pipeline(), e.getMessage());
            return;
        }
        byte[] stored = store.get(kind);
        WindowSummary window = stored == null ? partial : merged(stored, partial, kind);
        long recordsInWindow = DATA.equals(kind) ? window.records() : window.passed();
        if (recordsInWindow < spec.drift().windowRecords()) {
            store.put(kind, window.toBytes());
            return;
        }
        store.delete(kind);
        long sequence = next(kind);
        Instant now = Instant.ofEpochMilli(context().currentSystemTimeMs());
        Optional<ModelVersion> champion = registry.champion(models);
        if (DATA.equals(kind)) {
            QualityReporter.WindowResult result = reporter.report(spec.pipeline() + "-" + sequence, window,
                    champion, now);
            context().forward(new Record<>(result.report().getWindowId(),
                    new ValidationOutput.Report(result.report()), record.timestamp()));
            result.qualityAlerts().forEach(alert -> context().forward(
                    new Record<>(spec.pipeline(), new ValidationOutput.QualityAlert(alert), record.timestamp())));
            result.driftFinding().ifPresent(alert -> context().forward(
                    new Record<>(spec.pipeline(), new ValidationOutput.DriftFinding(alert), record.timestamp())));
        } else {
            reporter.skew(spec.pipeline() + "-serving-" + sequence, window, champion, now)
                    .ifPresent(alert -> context().forward(new Record<>(spec.pipeline(),
                            new ValidationOutput.DriftFinding(alert), record.timestamp())));
        }
    }

    private WindowSummary merged(byte[] stored, WindowSummary partial, String kind) {
        try {
            return WindowSummary.fromBytes(definitions, stored).merge(partial);
        } catch (RuntimeException e) {
            LOG.warn("Starting a new {} window of pipeline {}: the stored one does not match the spec: {}", kind,
                    spec.pipeline(), e.getMessage());
            return partial;
        }
    }

    private long next(String kind) {
        byte[] stored = store.get(SEQUENCE + kind);
        long sequence = stored == null ? 0 : Long.parseLong(new String(stored, java.nio.charset.StandardCharsets.UTF_8));
        store.put(SEQUENCE + kind, Long.toString(sequence + 1).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return sequence;
    }
}
