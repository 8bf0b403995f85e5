package io.mlcycle.validation;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.Severity;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.gates.ReasonCode;
import io.mlcycle.mlcore.profile.WindowSummary;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * CONFLICTING_LABEL: the same entity with the same features arriving with another label within
 * {@code gates.conflicting_labels.window} (event time). Validated records carrying a label arrive here repartitioned
 * by the fingerprint of entity key and feature values, so that every occurrence meets one task whatever partition its
 * event id fell on; a changelogged RocksDB window store keeps one entry per fingerprint and label (old segments are
 * dropped: state bounded by the window times the rate). A conflict is flagged, not dropped: both records stay
 * validated (which label is wrong is for a data owner to judge), the window's report counts
 * {@code noted:CONFLICTING_LABEL}, and a DATA_QUALITY alert names the entity, both event ids and both labels.
 */
final class ConflictingLabels extends ContextualProcessor<String, String, String, ValidationOutput> {

    static final String STORE = "labels-by-entity-and-features";
    static final String CODE = "noted:" + ReasonCode.CONFLICTING_LABEL.name();

    private final PipelineSpec spec;
    private final Duration window;
    private final List<FeatureDefinition> definitions;
    private WindowStore<String, String> store;

    ConflictingLabels(PipelineSpec spec, Duration window) {
        this.spec = spec;
        this.window = window;
        this.definitions = FeatureDefinition.fromSpec(spec);
    }

    static StoreBuilder<WindowStore<String, String>> storeBuilder(Duration window) {
        return Stores.windowStoreBuilder(
                Stores.persistentWindowStore(STORE, window, Duration.ofMillis(1), false),
                Serdes.String(), Serdes.String());
    }

    /** SHA-256 (hex) of the entity key and the feature values in feature order. */
    static String fingerprint(String entity, Map<String, Object> features) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(entity.getBytes(StandardCharsets.UTF_8));
            for (Map.Entry<String, Object> e : features.entrySet()) {
                digest.update((byte) 1);
                digest.update(String.valueOf(e.getValue()).getBytes(StandardCharsets.UTF_8));
            }
            return HexFormat.of().formatHex(digest.digest());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    @Override
    public void init(ProcessorContext<String, ValidationOutput> context) {
        super.init(context);
        store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, String> record) {
        if (record.key() == null || record.value() == null) {
            return;
        }
        String[] parts = record.value().split("\u0000", 2);
        String label = parts[0];
        String eventId = parts.length > 1 ? parts[1] : "";
        long from = Math.max(0, record.timestamp() - window.toMillis());
        String conflict = null;
        boolean sameLabelSeen = false;
        try (WindowStoreIterator<String> seen = store.fetch(record.key(), from, record.timestamp() + window.toMillis())) {
            while (seen.hasNext()) {
                String[] other = seen.next().value.split("\u0000", 2);
                if (other[0].equals(label)) {
                    sameLabelSeen = true;
                } else if (conflict == null) {
                    conflict = String.join("\u0000", other);
                }
            }
        }
        if (!sameLabelSeen) {
            store.put(record.key(), record.value(), record.timestamp());
        }
        if (conflict == null) {
            return;
        }
        String[] other = conflict.split("\u0000", 2);
        WindowSummary flagged = new WindowSummary(definitions, spec.drift().windowRecords());
        flagged.violation(CODE);
        context().forward(new Record<>(PipelineWindows.DATA,
                new ValidationOutput.Partial(PipelineWindows.DATA, flagged.toBytes()), record.timestamp()));
        Map<String, String> evidence = new LinkedHashMap<>();
        evidence.put("statistic", "conflicting_label");
        evidence.put("entity_features_sha256", record.key());
        evidence.put("event_id", eventId);
        evidence.put("label", label);
        evidence.put("earlier_event_id", other.length > 1 ? other[1] : "");
        evidence.put("earlier_label", other[0]);
        evidence.put("window", window.toString());
        context().forward(new Record<>(spec.pipeline(), new ValidationOutput.QualityAlert(Alert.newBuilder()
                .setAlertId("conflicting-label-" + eventId)
                .setPipeline(spec.pipeline())
                .setType(AlertType.DATA_QUALITY)
                .setSeverity(Severity.WARNING)
                .setSourceService(QualityReporter.SOURCE_SERVICE)
                .setSubject(spec.labelField().name())
                .setMessage("Conflicting labels: event " + eventId + " has " + spec.labelField().name() + " = "
                        + label + ", but event " + evidence.get("earlier_event_id") + " of the same entity with the"
                        + " same features had " + other[0] + " within " + window + "; both stay validated, one of"
                        + " the labels is likely wrong")
                .setEvidence(evidence)
                .setRaisedAt(Instant.ofEpochMilli(context().currentSystemTimeMs()))
                .build()), record.timestamp()));
    }
}
