package io.mlcycle.validation;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.TrainingTrigger;
import java.util.Objects;
import org.apache.avro.generic.GenericRecord;

/**
 * What the validation processors emit; the topology routes each kind to its topic. One sealed type lets a single
 * processor produce several outputs in one exactly-once transaction without a repartition between them.
 */
sealed interface ValidationOutput {

    /** A record that passed the gates, normalised: goes to {@code <p>.data.validated}. */
    record Validated(GenericRecord record) implements ValidationOutput {
        public Validated {
            Objects.requireNonNull(record, "record");
        }
    }

    /** A record that failed (deserialisation or gates): goes to {@code <p>.data.quarantine}. */
    record Quarantined(QuarantineRecord record) implements ValidationOutput {
        public Quarantined {
            Objects.requireNonNull(record, "record");
        }
    }

    /** The quality report of a closed window: goes to {@code <p>.quality.reports}. */
    record Report(QualityReport report) implements ValidationOutput {
        public Report {
            Objects.requireNonNull(report, "report");
        }
    }

    /** A window that missed an expectation of {@code gates.window}: goes to {@code <p>.monitoring.alerts}. */
    record QualityAlert(Alert alert) implements ValidationOutput {
        public QualityAlert {
            Objects.requireNonNull(alert, "alert");
        }
    }

    /** A drift crossing seen by one stream task, not yet debounced: goes through the single-partition debouncer. */
    record DriftFinding(Alert alert) implements ValidationOutput {
        public DriftFinding {
            Objects.requireNonNull(alert, "alert");
        }
    }

    /** A debounced drift alert: goes to {@code <p>.monitoring.alerts}. */
    record DriftAlert(Alert alert) implements ValidationOutput {
        public DriftAlert {
            Objects.requireNonNull(alert, "alert");
        }
    }

    /** A debounced drift training trigger: goes to {@code <p>.training.triggers}. */
    record DriftTrigger(TrainingTrigger trigger) implements ValidationOutput {
        public DriftTrigger {
            Objects.requireNonNull(trigger, "trigger");
        }
    }

    /**
     * A partial window summary of one stream task ({@link io.mlcycle.mlcore.profile.WindowSummary} bytes):
     * {@code kind} {@link PipelineWindows#DATA} (records validation saw) or {@link PipelineWindows#SERVING} (features
     * serving scored); merged with the other tasks' partials into one window of the whole pipeline.
     */
    record Partial(String kind, byte[] summary) implements ValidationOutput {
        public Partial {
            Objects.requireNonNull(kind, "kind");
            Objects.requireNonNull(summary, "summary");
        }
    }

    /**
     * A validated record's label under the fingerprint of its entity and features (SHA-256, hex), for the
     * conflicting-label check; {@code value} is the label and the event id, separated by a NUL character.
     */
    record LabelSeen(String fingerprint, String value) implements ValidationOutput {
        public LabelSeen {
            Objects.requireNonNull(fingerprint, "fingerprint");
            Objects.requireNonNull(value, "value");
        }
    }
}
