package io.mlcycle.serving.truth;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.Prediction;
import io.mlcycle.mlcore.monitoring.Calibration;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Properties;
import java.util.function.Function;
import org.apache.avro.Schema;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.Stores;

/**
 * The online-truth topology of serving-feedback: {@code <p>.predictions} and {@code <p>.examples.labeled} →
 * {@code <p>.monitoring.metrics} (estimated and realised performance per version, variant and window, label coverage,
 * flagged labels) and {@code <p>.monitoring.alerts} (scores and outcomes diverge, by a sequential test). A topology of its own, to run as
 * a second Kafka Streams application of the service (application id {@code mlcycle-<p>-serving-truth}), because the
 * serving topology already reads {@code <p>.predictions}.
 */
public final class TruthTopology {

    static final String WINDOWS_STORE = "truth-windows";
    /** One entry per prediction of a window ({@link PredictionEntry}). */
    static final String PREDICTIONS_STORE = "truth-window-predictions";
    /**
     * How far in event time each input has reached (the start of the latest window it has reached, keyed by input):
     * the watermark that decides expiry, kept so a restart or a rebalance expires exactly as an uninterrupted run.
     */
    static final String PROGRESS_STORE = "truth-progress";
    /**
     * Per window, its sequential divergence test ({@code DivergenceTest}, {@link DivergenceSerde}): the decision that
     * stays valid however often the window is emitted. Its own store, so the windows' JSON values keep their layout.
     */
    static final String DIVERGENCE_STORE = "truth-divergence";
    static final String METRICS_SINK = "truth-metrics-sink";
    static final String ALERTS_SINK = "truth-alerts-sink";

    /**
     * What the truth processor reads of a prediction: decoded with this view, Avro skips the logged features (most
     * of a prediction's bytes) instead of building their map for every prediction.
     */
    static final Schema PREDICTION_VIEW = view(Prediction.getClassSchema(), "prediction_id", "model_version",
            "variant", "score", "threshold", "event_time", "predicted_at");
    /** What the truth processor reads of a labeled example (not its features). */
    static final Schema LABELED_VIEW = view(LabeledExample.getClassSchema(), "event_time", "positive",
            "label_suspect", "predictions");

    /**
     * @param spec         the pipeline spec (monitoring section: interval level, detector warm-up)
     * @param window       event-time window of the metrics
     * @param retention    how long (event time) a window is kept for late outcomes once both inputs have passed its end
     * @param emitInterval how often (wall clock) changed windows are emitted
     * @param calibrations a version's calibration (e.g. {@code Calibration.fromMetrics} of its offline metrics);
     *                     {@code Calibration.IDENTITY} when it has none
     * @param maxInputLag  how far (event time) one input may run ahead of the other before windows are forgotten by
     *                     the one ahead alone: bounds the state when an input stalls or never has records (a pipeline
     *                     whose outcomes are not fed back), at the price of the outcomes of a longer catch-up
     */
    public record Settings(PipelineSpec spec, Duration window, Duration retention, Duration emitInterval,
                           Function<String, Calibration> calibrations, Duration maxInputLag) {
        public Settings {
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(calibrations, "calibrations");
            if (window.isZero() || window.isNegative() || emitInterval.isZero() || emitInterval.isNegative()
                    || maxInputLag.isNegative()) {
                throw new IllegalArgumentException("window and emitInterval must be positive, maxInputLag not"
                        + " negative");
            }
        }

        /** With the default {@link #MAX_INPUT_LAG}. */
        public Settings(PipelineSpec spec, Duration window, Duration retention, Duration emitInterval,
                        Function<String, Calibration> calibrations) {
            this(spec, window, retention, emitInterval, calibrations, MAX_INPUT_LAG);
        }
    }

    private TruthTopology() {
    }

    /**
     * Retention of the online-truth windows (the window is {@code serving.truth.window}, the emission interval
     * {@code serving.truth.emit.interval}).
     */
    public static final Duration RETENTION = Duration.ofDays(2);

    /**
     * How far one input may run ahead of the other (event time) before windows are forgotten by the one ahead alone:
     * a week, so a catch-up of days still joins its outcomes, while a pipeline without outcomes keeps at most about
     * {@code MAX_INPUT_LAG + RETENTION} of predictions.
     */
    public static final Duration MAX_INPUT_LAG = Duration.ofDays(7);

    /**
     * Starts the topology as its own Kafka Streams client of the serving-feedback service; the calibration of a
     * version comes from the champion being served (its offline metrics), else identity.
     */
    public static io.mlcycle.platform.lifecycle.StreamsRunner start(io.mlcycle.serving.ServingFeedbackConfig config,
            io.mlcycle.platform.config.PlatformConfig platform, PipelineSerdes serdes,
            io.mlcycle.serving.ModelRegistryWatcher watcher) {
        Function<String, Calibration> calibrations = version -> watcher.championSupplier().get()
                .filter(model -> model.version().equals(version))
                .flatMap(model -> Calibration.fromMetrics(model.offlineMetrics()))
                .orElse(Calibration.IDENTITY);
        Settings settings = new Settings(config.spec(), config.truthWindow(), RETENTION, config.truthEmitInterval(),
                calibrations);
        java.util.Properties props = io.mlcycle.platform.kafka.StreamsSettings.forApplication(platform,
                applicationId(config.spec()));
        props.put(org.apache.kafka.streams.StreamsConfig.STATE_DIR_CONFIG,
                config.stateDir().resolve("truth").toAbsolutePath().toString());
        withoutTaskIdling(props);
        return io.mlcycle.platform.lifecycle.StreamsRunner.start(applicationId(config.spec()),
                buildTopology(settings, serdes), props);
    }

    /**
     * Sets {@code max.task.idle.ms} to -1 (no waiting for an input that has nothing buffered) unless the deployment
     * set it ({@code kafka.*} passthrough). The truth processor's windows, estimates and expiry do not depend on the
     * order of records across its two inputs: an outcome that comes before its prediction is kept in the prediction's
     * entry, windows are chosen by event time and emitted on the wall clock, and a window is forgotten only once both
     * inputs have reached past its end plus the retention (a watermark over the two inputs, not the highest event
     * time of either), so predictions read far ahead of the labeled examples cannot expire a window before its
     * outcomes arrive. With the default (0), Kafka Streams 4.3.1 checks each input
     * partition with nothing buffered before every record it processes and formats a log text for it
     * ({@code String.format}) whatever the log level: under {@code ./bench serving-http}, where the labeled examples'
     * partitions stay empty, that was about a twelfth of the truth thread's CPU (JFR). Not for the join (serving's
     * own application): its expiry runs on stream time, so a backlog read out of timestamp order could expire an
     * event before feedback that is still on the broker.
     */
    static Properties withoutTaskIdling(Properties props) {
        props.putIfAbsent(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, Long.toString(StreamsConfig.MAX_TASK_IDLE_MS_DISABLED));
        return props;
    }

    /** The application id to run the topology under. */
    public static String applicationId(PipelineSpec spec) {
        return "mlcycle-" + spec.pipeline() + "-serving-truth";
    }

    public static Topology buildTopology(Settings settings, PipelineSerdes serdes) {
        String pipeline = settings.spec().pipeline();
        Topology topology = new Topology();
        topology.addSource("truth-predictions", serdes.keySerde(Topics.PREDICTIONS).deserializer(),
                serdes.valueView(Topics.PREDICTIONS, PREDICTION_VIEW), Topics.PREDICTIONS.name(pipeline));
        topology.addSource("truth-labeled", serdes.keySerde(Topics.EXAMPLES_LABELED).deserializer(),
                serdes.valueView(Topics.EXAMPLES_LABELED, LABELED_VIEW), Topics.EXAMPLES_LABELED.name(pipeline));
        topology.addProcessor("truth", () -> new TruthProcessor(settings), "truth-predictions", "truth-labeled");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(WINDOWS_STORE),
                Serdes.String(), json(TruthWindow.class)), "truth");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PREDICTIONS_STORE),
                Serdes.String(), Serdes.ByteArray()), "truth");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PROGRESS_STORE),
                Serdes.String(), Serdes.Long()), "truth");
        topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(DIVERGENCE_STORE),
                Serdes.String(), new DivergenceSerde()), "truth");
        @SuppressWarnings({"unchecked", "rawtypes"})
        Serializer<Object> metrics = (Serializer) serdes.valueSerde(Topics.MONITORING_METRICS).serializer();
        @SuppressWarnings({"unchecked", "rawtypes"})
        Serializer<Object> alerts = (Serializer) serdes.valueSerde(Topics.MONITORING_ALERTS).serializer();
        topology.addSink(METRICS_SINK, Topics.MONITORING_METRICS.name(pipeline),
                serdes.keySerde(Topics.MONITORING_METRICS).serializer(), metrics, "truth");
        topology.addSink(ALERTS_SINK, Topics.MONITORING_ALERTS.name(pipeline),
                serdes.keySerde(Topics.MONITORING_ALERTS).serializer(), alerts, "truth");
        return topology;
    }

    /** A record schema with some of the fields of {@code full}, under its name (a reader schema for Avro). */
    static Schema view(Schema full, String... names) {
        List<Schema.Field> fields = new ArrayList<>();
        for (String name : names) {
            Schema.Field field = Objects.requireNonNull(full.getField(name), name);
            fields.add(new Schema.Field(field, field.schema()));
        }
        return Schema.createRecord(full.getName(), full.getDoc(), full.getNamespace(), false, fields);
    }

    /** JSON for the task-local state (Jackson reads records and public-field classes). */
    static <T> Serde<T> json(Class<T> type) {
        ObjectMapper mapper = new ObjectMapper();
        Serializer<T> serializer = (topic, value) -> {
            try {
                return value == null ? null : mapper.writeValueAsBytes(value);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        Deserializer<T> deserializer = (topic, bytes) -> {
            try {
                return bytes == null ? null : mapper.readValue(bytes, type);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        };
        return Serdes.serdeFrom(serializer, deserializer);
    }
}
