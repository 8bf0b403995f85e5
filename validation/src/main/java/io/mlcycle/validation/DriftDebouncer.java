package io.mlcycle.validation;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import java.time.Instant;
import java.util.HashMap;
import java.util.Objects;
import java.util.function.Supplier;
import org.apache.kafka.streams.processor.api.ContextualProcessor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns drift and skew findings of the pipeline windows (one partition) into at most one alert and one DRIFT
 * training trigger per champion version and kind (drift of the incoming data; training/serving skew, whose trigger
 * evidence says {@code comparison: training_serving_skew}). The last champion version a trigger was raised for is kept in a
 * changelogged store, so the debounce holds across restarts; a new champion (or a rollback to an older one) can be
 * triggered again. Findings of other windows for the same champion are dropped here; every window's drift scores
 * remain visible in its quality report.
 */
final class DriftDebouncer extends ContextualProcessor<String, Alert, String, ValidationOutput> {

    static final String STORE = "drift-debounce";
    /** Evidence key naming the champion version whose reference profile the window was compared with. */
    static final String REQUESTED_BY = "validation";

    private static final String LAST_TRIGGERED = "last_triggered_champion_version";
    private static final Logger LOG = LoggerFactory.getLogger(DriftDebouncer.class);

    private final Supplier<String> ids;
    private KeyValueStore<String, String> store;

    DriftDebouncer(Supplier<String> ids) {
        this.ids = Objects.requireNonNull(ids, "ids");
    }

    @Override
    public void init(ProcessorContext<String, ValidationOutput> context) {
        super.init(context);
        store = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, Alert> record) {
        Alert finding = record.value();
        if (finding == null) {
            return;
        }
        String championVersion = finding.getEvidence().get(io.mlcycle.schemas.TriggerEvidence.CHAMPION_VERSION);
        // Drift of the incoming data and skew of what serving scored are debounced apart: one of each per champion.
        String key = finding.getType() == AlertType.DRIFT ? LAST_TRIGGERED : LAST_TRIGGERED + ":" + finding.getType();
        if (championVersion != null && championVersion.equals(store.get(key))) {
            return;
        }
        if (championVersion != null) {
            store.put(key, championVersion);
        }
        LOG.info("Drift detected against champion {} of pipeline {}: {}", championVersion, finding.getPipeline(),
                finding.getMessage());
        Alert alert = Alert.newBuilder(finding).setAlertId(ids.get()).build();
        String alertKey = alert.getType() + ":" + (alert.getSubject() == null ? "" : alert.getSubject());
        context().forward(new Record<>(alertKey, new ValidationOutput.DriftAlert(alert), record.timestamp()));
        TrainingTrigger trigger = TrainingTrigger.newBuilder()
                .setTriggerId(ids.get())
                .setPipeline(finding.getPipeline())
                .setReason(TriggerReason.DRIFT)
                .setEvidence(new HashMap<>(finding.getEvidence()))
                .setRequestedBy(REQUESTED_BY)
                .setRequestedAt(Instant.ofEpochMilli(context().currentSystemTimeMs()))
                .setNote(finding.getMessage())
                .build();
        context().forward(new Record<>(finding.getPipeline(), new ValidationOutput.DriftTrigger(trigger),
                record.timestamp()));
    }
}
