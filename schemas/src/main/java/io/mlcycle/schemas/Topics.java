package io.mlcycle.schemas;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.Feedback;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.MonitoringObservation;
import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.schemas.TopicDescriptor.Cleanup;
import io.mlcycle.schemas.TopicDescriptor.ValueFormat;
import java.time.Duration;
import java.util.List;
import org.apache.avro.generic.GenericRecord;

/**
 * The catalog of every pipeline topic: the one place that spells topic names, their types and how they are created.
 *
 * <p>Topics whose records are about one event ({@link #DATA_RAW}, {@link #DATA_VALIDATED}, {@link #PREDICTIONS},
 * {@link #FEEDBACK}, {@link #EXAMPLES_LABELED}, {@link #DATA_QUARANTINE}) are keyed by event id and share
 * {@link #EVENT_PARTITIONS} partitions, so that the feedback join is co-partitioned.
 */
public final class Topics {

    /** Partitions of every topic keyed by event id; they must agree for the joins. */
    public static final int EVENT_PARTITIONS = 3;

    private static final Duration WEEK = Duration.ofDays(7);

    /** Raw events, as ingested. Key: event id. */
    public static final TopicDescriptor<String, GenericRecord> DATA_RAW = new TopicDescriptor<>(
            "data.raw", String.class, GenericRecord.class, ValueFormat.PIPELINE_DATA, EVENT_PARTITIONS,
            Cleanup.DELETE, WEEK, "raw events as ingested; ingestion -> validation");

    /** Events that passed the record gates, normalised. Key: event id. Kept forever: datasets are built from it. */
    public static final TopicDescriptor<String, GenericRecord> DATA_VALIDATED = new TopicDescriptor<>(
            "data.validated", String.class, GenericRecord.class, ValueFormat.PIPELINE_DATA, EVENT_PARTITIONS,
            Cleanup.DELETE, TopicDescriptor.FOREVER, "validated, normalised events; validation -> serving, feedback join");

    /** Records that failed, with the original bytes and the reasons. Key: event id when known. */
    public static final TopicDescriptor<String, QuarantineRecord> DATA_QUARANTINE = new TopicDescriptor<>(
            "data.quarantine", String.class, QuarantineRecord.class, ValueFormat.SPECIFIC_AVRO, EVENT_PARTITIONS,
            Cleanup.DELETE, Duration.ofDays(30), "records that failed, with reasons; validation, ingestion -> operators");

    /** Per-window data quality and drift. Key: window id. */
    public static final TopicDescriptor<String, QualityReport> QUALITY_REPORTS = new TopicDescriptor<>(
            "quality.reports", String.class, QualityReport.class, ValueFormat.SPECIFIC_AVRO, 1,
            Cleanup.DELETE, Duration.ofDays(30), "per-window quality and drift; validation -> operators, orchestrator");

    /** Every prediction, with the features seen. Key: event id. */
    public static final TopicDescriptor<String, Prediction> PREDICTIONS = new TopicDescriptor<>(
            "predictions", String.class, Prediction.class, ValueFormat.SPECIFIC_AVRO, EVENT_PARTITIONS,
            Cleanup.DELETE, Duration.ofDays(30), "predictions with features seen; serving -> feedback join, operators");

    /** Observed outcomes. Key: event id. */
    public static final TopicDescriptor<String, Feedback> FEEDBACK = new TopicDescriptor<>(
            "feedback", String.class, Feedback.class, ValueFormat.SPECIFIC_AVRO, EVENT_PARTITIONS,
            Cleanup.DELETE, Duration.ofDays(30), "observed outcomes; applications -> feedback join");

    /** Features joined with outcomes and predictions. Key: event id. Kept forever: training reads it by offsets. */
    public static final TopicDescriptor<String, LabeledExample> EXAMPLES_LABELED = new TopicDescriptor<>(
            "examples.labeled", String.class, LabeledExample.class, ValueFormat.SPECIFIC_AVRO, EVENT_PARTITIONS,
            Cleanup.DELETE, TopicDescriptor.FOREVER, "labeled examples; feedback join -> orchestrator, online metrics");

    /** Requests to train. Key: pipeline. One partition: triggers are handled in order. */
    public static final TopicDescriptor<String, TrainingTrigger> TRAINING_TRIGGERS = new TopicDescriptor<>(
            "training.triggers", String.class, TrainingTrigger.class, ValueFormat.SPECIFIC_AVRO, 1,
            Cleanup.DELETE, Duration.ofDays(30), "training requests with evidence; anyone -> orchestrator");

    /** Training run progress and results. Key: run id. */
    public static final TopicDescriptor<String, TrainingRun> TRAINING_RUNS = new TopicDescriptor<>(
            "training.runs", String.class, TrainingRun.class, ValueFormat.SPECIFIC_AVRO, 1,
            Cleanup.DELETE, Duration.ofDays(30), "training run status; orchestrator -> operators");

    /** The model registry. Key: model version. Compacted: the latest value is each version's state. */
    public static final TopicDescriptor<String, ModelVersion> MODELS = new TopicDescriptor<>(
            "models", String.class, ModelVersion.class, ValueFormat.SPECIFIC_AVRO, 1,
            Cleanup.COMPACT, null, "model versions with stage, artifact, lineage; orchestrator -> serving, validation");

    /**
     * Stage decisions on online evidence (promote, roll back), serving -> orchestrator, which alone writes the
     * registry, and people's promotions, rollbacks and stage changes sent to a standby orchestrator instance,
     * forwarded to the owner, and the owner's answer to each forwarded request (decision ANSWER: applied, or refused
     * and why), which every orchestrator instance reads; every decision is signed (deployment's model signing key) and
     * applied only if the signature holds. Key: model version. One partition: decisions are applied in order.
     */
    public static final TopicDescriptor<String, StageDecision> MODELS_DECISIONS = new TopicDescriptor<>(
            "models.decisions", String.class, StageDecision.class, ValueFormat.SPECIFIC_AVRO, 1,
            Cleanup.DELETE, Duration.ofDays(30), "challenger promotions and rollbacks on online evidence, and "
            + "forwarded manual ones; serving-feedback, standby orchestrators -> orchestrator; the owner's answers "
            + "to forwarded ones -> every orchestrator instance");

    /**
     * Predictions and outcomes re-keyed by pipeline for the online monitor. Key: pipeline. One partition: metrics and
     * the challenger tests are computed once per pipeline, over all the traffic.
     */
    public static final TopicDescriptor<String, MonitoringObservation> MONITORING_OBSERVATIONS = new TopicDescriptor<>(
            "monitoring.observations", String.class, MonitoringObservation.class, ValueFormat.SPECIFIC_AVRO, 1,
            Cleanup.DELETE, Duration.ofDays(7), "predictions and outcomes for the online monitor; feedback join -> "
            + "online monitor (serving-feedback)");

    /** Online metrics per model version and window. Key: model version. */
    public static final TopicDescriptor<String, OnlineMetrics> MONITORING_METRICS = new TopicDescriptor<>(
            "monitoring.metrics", String.class, OnlineMetrics.class, ValueFormat.SPECIFIC_AVRO, 1,
            Cleanup.DELETE, Duration.ofDays(30), "online metrics per version; serving-feedback -> operators, orchestrator");

    /** Alerts. Key: alert type and subject, so one subject's alerts stay in order. */
    public static final TopicDescriptor<String, Alert> MONITORING_ALERTS = new TopicDescriptor<>(
            "monitoring.alerts", String.class, Alert.class, ValueFormat.SPECIFIC_AVRO, 1,
            Cleanup.DELETE, Duration.ofDays(30), "drift, skew, degradation, quality, gate alerts; all -> operators");

    private static final List<TopicDescriptor<?, ?>> ALL = List.of(
            DATA_RAW, DATA_VALIDATED, DATA_QUARANTINE, QUALITY_REPORTS, PREDICTIONS, FEEDBACK, EXAMPLES_LABELED,
            TRAINING_TRIGGERS, TRAINING_RUNS, MODELS, MODELS_DECISIONS, MONITORING_OBSERVATIONS, MONITORING_METRICS,
            MONITORING_ALERTS);

    /**
     * The topics the feedback join reads together: they must be co-partitioned (the same number of partitions, keyed
     * by event id), or records of one event would meet in different tasks.
     */
    private static final List<TopicDescriptor<?, ?>> JOINED = List.of(DATA_VALIDATED, PREDICTIONS, FEEDBACK);

    private Topics() {
    }

    /** The topics that must be co-partitioned for the joins; services check this at start. */
    public static List<TopicDescriptor<?, ?>> joined() {
        return JOINED;
    }

    /** Every pipeline topic, in the order data flows. */
    public static List<TopicDescriptor<?, ?>> all() {
        return ALL;
    }

    /** The descriptor whose full name for {@code pipeline} is {@code topicName}, if any. */
    public static java.util.Optional<TopicDescriptor<?, ?>> byName(String pipeline, String topicName) {
        return ALL.stream().filter(topic -> topic.name(pipeline).equals(topicName)).findFirst();
    }
}
