package io.mlcycle.serving;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.Feedback;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.MonitoringObservation;
import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The serving-feedback Kafka Streams topology: stream scoring, the prediction log and the feedback join, in one
 * sub-topology so the three event-id-keyed inputs share the join store (they are co-partitioned:
 * {@link Topics#EVENT_PARTITIONS} partitions each, keyed by event id).
 *
 * <pre>
 * &lt;p&gt;.data.validated --score--> &lt;p&gt;.predictions (CHAMPION, source "stream"); event remembered
 * &lt;p&gt;.predictions    --collect-> predictions remembered per event (also the HTTP path's)
 * &lt;p&gt;.feedback       --join----> &lt;p&gt;.examples.labeled | &lt;p&gt;.data.quarantine (INVALID_LABEL)
 *     each labeled example carries the label-noise verdict on the champion's logged prediction (label_suspect,
 *     self-confidence, margin), judged with per-class thresholds kept per champion version in a state store
 * stream-time punctuator: expires state older than the label-delay window; unmatched feedback is counted and
 * alerted (FEEDBACK_UNMATCHED) to &lt;p&gt;.monitoring.alerts
 * keyless feedback / predictions --> written back to their topic keyed by the event id in their value
 * new predictions and labeled examples --observe--> &lt;p&gt;.monitoring.observations (keyed by pipeline)
 * </pre>
 * and a second sub-topology, once per pipeline (one partition):
 * <pre>
 * &lt;p&gt;.monitoring.observations --monitor--> &lt;p&gt;.monitoring.metrics (per version, variant, window);
 *     DEGRADATION alerts and &lt;p&gt;.training.triggers; challenger promotions / rollbacks to
 *     &lt;p&gt;.models.decisions (applied to the registry by the orchestrator)
 * </pre>
 *
 * Inputs are read as bytes and decoded inside the processors, so undecodable records are quarantined with their
 * original bytes instead of stopping the application.
 */
public final class ServingTopology {
    static final String JOIN_STORE = "serving-join";
    static final String EXPIRY_STORE = "serving-join-expiry";
    static final String METRICS_STORE = "serving-online-metrics";
    static final String CHALLENGER_STORE = "serving-challenger-tests";
    static final String LABEL_THRESHOLDS_STORE = "serving-label-thresholds";

    static final String VALIDATED_SOURCE = "validated-source";
    static final String PREDICTIONS_SOURCE = "predictions-source";
    static final String FEEDBACK_SOURCE = "feedback-source";
    static final String SCORE = "score";
    static final String COLLECT_PREDICTIONS = "collect-predictions";
    static final String JOIN_FEEDBACK = "join-feedback";
    /** Where the join processors hand predictions and outcomes to the monitor ({@link MonitorObserver}). */
    static final String MONITOR = "online-monitor";
    static final String OBSERVATIONS_SINK = "observations-sink";
    static final String OBSERVATIONS_SOURCE = "observations-source";
    static final String AGGREGATE = "online-monitor-aggregate";
    static final String METRICS_SINK = "metrics-sink";
    static final String TRIGGERS_SINK = "triggers-sink";
    static final String DECISIONS_SINK = "decisions-sink";
    static final String PREDICTIONS_SINK = "predictions-sink";
    static final String EXAMPLES_SINK = "examples-sink";
    static final String QUARANTINE_SINK = "quarantine-sink";
    static final String ALERTS_SINK = "alerts-sink";
    static final String FEEDBACK_REKEY_SINK = "feedback-rekey-sink";
    static final String PREDICTIONS_REKEY_SINK = "predictions-rekey-sink";

    private ServingTopology() {
    }

    /**
     * The serdes of every topic the topology touches.
     *
     * @param validated  the pipeline's data records
     * @param prediction {@code <p>.predictions}
     * @param feedback   {@code <p>.feedback}
     * @param example    {@code <p>.examples.labeled}
     * @param quarantine {@code <p>.data.quarantine}
     * @param alert      {@code <p>.monitoring.alerts}
     * @param metrics    {@code <p>.monitoring.metrics}
     * @param trigger    {@code <p>.training.triggers}
     * @param decision   {@code <p>.models.decisions}
     * @param observation {@code <p>.monitoring.observations}
     */
    public record TopologySerdes(Serde<GenericRecord> validated, Serde<Prediction> prediction, Serde<Feedback> feedback,
                                 Serde<LabeledExample> example, Serde<QuarantineRecord> quarantine,
                                 Serde<Alert> alert, Serde<OnlineMetrics> metrics, Serde<TrainingTrigger> trigger,
                                 Serde<StageDecision> decision, Serde<MonitoringObservation> observation) {
        public TopologySerdes {
            Objects.requireNonNull(validated, "validated");
            Objects.requireNonNull(prediction, "prediction");
            Objects.requireNonNull(feedback, "feedback");
            Objects.requireNonNull(example, "example");
            Objects.requireNonNull(quarantine, "quarantine");
            Objects.requireNonNull(alert, "alert");
            Objects.requireNonNull(metrics, "metrics");
            Objects.requireNonNull(trigger, "trigger");
            Objects.requireNonNull(decision, "decision");
            Objects.requireNonNull(observation, "observation");
        }

        /** The serdes of a pipeline's topics, as the platform builds them. */
        public static TopologySerdes from(PipelineSerdes serdes) {
            return new TopologySerdes(serdes.valueSerde(Topics.DATA_VALIDATED), serdes.valueSerde(Topics.PREDICTIONS),
                    serdes.valueSerde(Topics.FEEDBACK), serdes.valueSerde(Topics.EXAMPLES_LABELED),
                    serdes.valueSerde(Topics.DATA_QUARANTINE), serdes.valueSerde(Topics.MONITORING_ALERTS),
                    serdes.valueSerde(Topics.MONITORING_METRICS), serdes.valueSerde(Topics.TRAINING_TRIGGERS),
                    serdes.valueSerde(Topics.MODELS_DECISIONS), serdes.valueSerde(Topics.MONITORING_OBSERVATIONS));
        }
    }

    /** The topology with counters kept in memory only (tools and tests that do not export metrics). */
    public static Topology buildTopology(ServingFeedbackConfig config, PipelineSerdes serdes,
                                         Supplier<Optional<LoadedModel>> champion) {
        return buildTopology(config, serdes, champion, ServingMetrics.inMemory(config.pipeline()));
    }

    /** {@link #buildTopology(ServingFeedbackConfig, TopologySerdes, Supplier, ServingMetrics)} with a pipeline's serdes. */
    public static Topology buildTopology(ServingFeedbackConfig config, PipelineSerdes serdes,
                                         Supplier<Optional<LoadedModel>> champion, ServingMetrics metrics) {
        return buildTopology(config, TopologySerdes.from(serdes), champion, metrics);
    }

    /** The topology scoring with a champion only (no canary, no shadow): tools and tests. */
    public static Topology buildTopology(ServingFeedbackConfig config, TopologySerdes serdes,
                                         Supplier<Optional<LoadedModel>> champion, ServingMetrics metrics) {
        Objects.requireNonNull(champion, "champion");
        return buildTopology(config, serdes, ModelSource.championOnly(champion), metrics);
    }

    /** {@link #buildTopology(ServingFeedbackConfig, TopologySerdes, ModelSource, ServingMetrics)} with a pipeline's serdes. */
    public static Topology buildTopology(ServingFeedbackConfig config, PipelineSerdes serdes, ModelSource models,
                                         ServingMetrics metrics) {
        return buildTopology(config, TopologySerdes.from(serdes), models, metrics);
    }

    /**
     * Builds the topology. Pure: everything it depends on is passed in.
     *
     * @param config  service configuration (spec, join window, punctuation interval, alert debounce)
     * @param serdes  serdes of the topics
     * @param models  the models to score with right now, read per record, and the registry's records
     * @param metrics counters to update
     */
    public static Topology buildTopology(ServingFeedbackConfig config, TopologySerdes serdes, ModelSource models,
                                         ServingMetrics metrics) {
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(serdes, "serdes");
        Objects.requireNonNull(models, "models");
        Objects.requireNonNull(metrics, "metrics");
        String pipeline = config.spec().pipeline();
        String validatedTopic = Topics.DATA_VALIDATED.name(pipeline);
        String predictionsTopic = Topics.PREDICTIONS.name(pipeline);
        String feedbackTopic = Topics.FEEDBACK.name(pipeline);
        JoinSettings settings = new JoinSettings(config.spec(), config.joinWindow(), config.punctuateInterval(),
                config.unmatchedAlertInterval(), config.maxRecordBytes(), config.metricsWindow(), serdes);

        Topology topology = new Topology();
        topology.addSource(VALIDATED_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), validatedTopic);
        topology.addSource(PREDICTIONS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(),
                predictionsTopic);
        topology.addSource(FEEDBACK_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), feedbackTopic);

        topology.addProcessor(SCORE, () -> new ScoringProcessor(settings, models, metrics), VALIDATED_SOURCE);
        topology.addProcessor(COLLECT_PREDICTIONS, () -> new PredictionCollector(settings, metrics),
                PREDICTIONS_SOURCE);
        topology.addProcessor(JOIN_FEEDBACK, () -> new FeedbackProcessor(settings, metrics), FEEDBACK_SOURCE);

        topology.addProcessor(MONITOR, () -> new MonitorObserver(settings), SCORE, COLLECT_PREDICTIONS,
                JOIN_FEEDBACK);
        String observationsTopic = Topics.MONITORING_OBSERVATIONS.name(pipeline);
        topology.addSink(OBSERVATIONS_SINK, observationsTopic, Serdes.String().serializer(),
                serdes.observation().serializer(), MONITOR);

        // Once per pipeline: the observations of every join partition meet in the one partition of their topic.
        topology.addSource(OBSERVATIONS_SOURCE, new StringDeserializer(), new ByteArrayDeserializer(),
                observationsTopic);
        topology.addProcessor(AGGREGATE, () -> new OnlineMonitor(settings, models,
                serdes.observation().deserializer()), OBSERVATIONS_SOURCE);
        // Cached: every observation rewrites its window's entry (17 KB of histograms) and its challenger's test, a
        // few hot keys; uncached, each rewrite was a RocksDB write and a 17 KB changelog record through the broker,
        // per prediction. The cache keeps the latest value per key and writes it (store and changelog) when Streams
        // commits, so the exactly-once state is the same, written once per key and commit.
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(METRICS_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled(), AGGREGATE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CHALLENGER_STORE),
                Serdes.String(), Serdes.ByteArray()).withCachingEnabled(), AGGREGATE);
        topology.addSink(METRICS_SINK, Topics.MONITORING_METRICS.name(pipeline), Serdes.String().serializer(),
                serdes.metrics().serializer(), AGGREGATE);
        topology.addSink(TRIGGERS_SINK, Topics.TRAINING_TRIGGERS.name(pipeline), Serdes.String().serializer(),
                serdes.trigger().serializer(), AGGREGATE);
        topology.addSink(DECISIONS_SINK, Topics.MODELS_DECISIONS.name(pipeline), Serdes.String().serializer(),
                serdes.decision().serializer(), AGGREGATE);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(JOIN_STORE),
                Serdes.String(), new JoinStateSerde()), SCORE, COLLECT_PREDICTIONS, JOIN_FEEDBACK);
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(EXPIRY_STORE),
                Serdes.String(), Serdes.String()), SCORE, COLLECT_PREDICTIONS, JOIN_FEEDBACK);
        // Label-noise thresholds per champion version, updated in the transaction that emits the labeled example.
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LABEL_THRESHOLDS_STORE),
                Serdes.String(), new LabelThresholdsSerde()), SCORE, COLLECT_PREDICTIONS, JOIN_FEEDBACK);

        topology.addSink(PREDICTIONS_SINK, predictionsTopic, Serdes.String().serializer(),
                serdes.prediction().serializer(), SCORE);
        topology.addSink(EXAMPLES_SINK, Topics.EXAMPLES_LABELED.name(pipeline), Serdes.String().serializer(),
                serdes.example().serializer(), SCORE, COLLECT_PREDICTIONS, JOIN_FEEDBACK);
        topology.addSink(QUARANTINE_SINK, Topics.DATA_QUARANTINE.name(pipeline), Serdes.String().serializer(),
                serdes.quarantine().serializer(), SCORE, COLLECT_PREDICTIONS, JOIN_FEEDBACK);
        topology.addSink(ALERTS_SINK, Topics.MONITORING_ALERTS.name(pipeline), Serdes.String().serializer(),
                serdes.alert().serializer(), JOIN_FEEDBACK, AGGREGATE);
        // Keyless feedback and predictions go back to their own topic keyed by event id (bytes unchanged), so that
        // they reach the partition, and the task, that holds their event's join state.
        topology.addSink(FEEDBACK_REKEY_SINK, feedbackTopic, Serdes.String().serializer(),
                Serdes.ByteArray().serializer(), JOIN_FEEDBACK);
        topology.addSink(PREDICTIONS_REKEY_SINK, predictionsTopic, Serdes.String().serializer(),
                Serdes.ByteArray().serializer(), COLLECT_PREDICTIONS);
        return topology;
    }
}
