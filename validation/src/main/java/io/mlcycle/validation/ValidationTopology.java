package io.mlcycle.validation;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.gates.RecordGates;
import io.mlcycle.mlcore.quarantine.QuarantineFit;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.lifecycle.EventIds;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.mlcore.registry.ChampionSelector;
import io.mlcycle.mlcore.registry.ModelSigning;
import io.mlcycle.schemas.Topics;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.state.Stores;

/**
 * The validation topology, a pure function of the spec and the serdes:
 *
 * <pre>
 * &lt;p&gt;.data.raw (bytes) -&gt; validate (gates, duplicates (windowed store, bounded retention), the task's
 *                                      partial window summary: in memory, its changelog written per commit)
 *     -&gt; &lt;p&gt;.data.validated | &lt;p&gt;.data.quarantine
 *     -&gt; partial summaries ─┐
 * &lt;p&gt;.predictions -&gt; champion's scored features -&gt; partial summaries ─┤
 *     repartition to 1 partition (window-partials) &lt;┘
 *     -&gt; pipeline windows (store: open windows; reads the global models mirror)
 *     -&gt; &lt;p&gt;.quality.reports, DATA_QUALITY alerts -&gt; &lt;p&gt;.monitoring.alerts
 *     -&gt; drift / skew findings -&gt; debounce (store: last triggered champion version per kind)
 *         -&gt; &lt;p&gt;.monitoring.alerts + &lt;p&gt;.training.triggers
 * &lt;p&gt;.models -&gt; global store (raw bytes)
 * </pre>
 */
public final class ValidationTopology {

    /**
     * The names of the branches after {@code validate}: {@link ValidationProcessor} forwards each output to its own
     * branch's node ({@link #branchNode}) instead of to every branch, which each made a copy of the record (and its
     * headers) only to drop it.
     */
    static final String VALIDATED = "validated";
    static final String QUARANTINED = "quarantined";
    static final String DATA_PARTIALS = "data-partials";
    static final String LABELS = "labels";

    /** The duplicate store's name; its changelog is {@code <application id>-duplicates-by-event-id-changelog}. */
    public static final String DUPLICATES_STORE = DuplicateDetector.STORE;

    private ValidationTopology() {
    }

    /** The topology for {@code spec}, with serdes from {@code serdes} and generated time-ordered alert/trigger ids. */
    public static Topology buildTopology(PipelineSpec spec, PipelineSerdes serdes, ModelSigning signing) {
        return buildTopology(spec, serdes, signing, QuarantineFit.DEFAULT_MAX_REQUEST_SIZE);
    }

    /**
     * As {@link #buildTopology(PipelineSpec, PipelineSerdes, ModelSigning)} for a producer whose
     * {@code max.request.size} is {@code maxRequestSize}: quarantine copies are cut to fit it.
     */
    public static Topology buildTopology(PipelineSpec spec, PipelineSerdes serdes, ModelSigning signing,
                                         int maxRequestSize) {
        return buildTopology(spec, serdes, signing, EventIds::newTimeOrderedId, maxRequestSize);
    }

    /** For topology tests: the development signing key. */
    static Topology buildTopology(PipelineSpec spec, PipelineSerdes serdes) {
        return buildTopology(spec, serdes, ModelSigning.development());
    }

    static Topology buildTopology(PipelineSpec spec, PipelineSerdes serdes, ModelSigning signing,
                                  Supplier<String> ids) {
        return buildTopology(spec, serdes, signing, ids, QuarantineFit.DEFAULT_MAX_REQUEST_SIZE);
    }

    static Topology buildTopology(PipelineSpec spec, PipelineSerdes serdes, ModelSigning signing,
                                  Supplier<String> ids, int maxRequestSize) {
        String rawTopic = serdes.topicName(Topics.DATA_RAW);
        String modelsTopic = serdes.topicName(Topics.MODELS);
        Serde<String> keys = serdes.keySerde(Topics.DATA_RAW);
        Serde<GenericRecord> rawValues = serdes.valueSerde(Topics.DATA_RAW);
        RecordGates gates = new RecordGates(spec);
        ModelRegistryMirror registry = new ModelRegistryMirror(modelsTopic,
                serdes.valueSerde(Topics.MODELS).deserializer(), new ChampionSelector(spec.pipeline(), signing));
        QualityReporter reporter = new QualityReporter(spec);
        String predictionsTopic = serdes.topicName(Topics.PREDICTIONS);
        String validatedTopic = serdes.topicName(Topics.DATA_VALIDATED);

        StreamsBuilder builder = new StreamsBuilder();
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ModelRegistryMirror.STORE),
                        Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled(),
                modelsTopic,
                Consumed.with(Serdes.Bytes(), Serdes.ByteArray()).withName("models-source"),
                ModelRegistryMirror.Updater::new);
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(PipelineWindows.STORE), Serdes.String(), Serdes.ByteArray())
                .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(DriftDebouncer.STORE), Serdes.String(), Serdes.String()));

        List<FeatureDefinition> definitions = FeatureDefinition.fromSpec(spec);
        builder.addStateStore(PartialWindowStore.builder(ValidationProcessor.PARTIALS_STORE, definitions,
                spec.drift().windowRecords()));
        List<String> validateStores = new ArrayList<>(List.of(ValidationProcessor.PARTIALS_STORE));
        spec.gates().duplicates().ifPresent(retention -> {
            builder.addStateStore(DuplicateDetector.storeBuilder(retention));
            validateStores.add(DuplicateDetector.STORE);
        });

        KStream<String, ValidationOutput> outputs = builder
                .stream(rawTopic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("raw-source"))
                .process(() -> new ValidationProcessor(spec, gates, keys.deserializer(), rawValues.deserializer(),
                                rawTopic, maxRequestSize),
                        Named.as("validate"), validateStores.toArray(String[]::new));

        only(outputs, ValidationOutput.Validated.class, ValidationOutput.Validated::record, VALIDATED)
                .to(validatedTopic, Produced.with(serdes.keySerde(Topics.DATA_VALIDATED),
                        serdes.valueSerde(Topics.DATA_VALIDATED)).withName("validated-sink"));
        only(outputs, ValidationOutput.Quarantined.class, ValidationOutput.Quarantined::record, QUARANTINED)
                .to(serdes.topicName(Topics.DATA_QUARANTINE), Produced.<String, QuarantineRecord>with(
                        serdes.keySerde(Topics.DATA_QUARANTINE), serdes.valueSerde(Topics.DATA_QUARANTINE))
                        .withName("quarantine-sink"));
        // One partition: a window is counted over the whole pipeline, not per partition.
        KStream<String, byte[]> partials = singlePartition(only(outputs, ValidationOutput.Partial.class,
                ValidationOutput.Partial::summary, DATA_PARTIALS), "window-partials");
        if (spec.drift().skew()) {
            builder.addStateStore(PartialWindowStore.builder(ServingFeaturesProcessor.PARTIALS_STORE, definitions,
                    spec.drift().windowRecords()));
            Serde<io.mlcycle.avro.Prediction> predictions = serdes.valueSerde(Topics.PREDICTIONS);
            KStream<String, byte[]> servingPartials = only(builder
                    .stream(predictionsTopic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray())
                            .withName("predictions-source"))
                    .process(() -> new ServingFeaturesProcessor(spec, predictions.deserializer(), predictionsTopic),
                            Named.as("serving-features"), ServingFeaturesProcessor.PARTIALS_STORE),
                    ValidationOutput.Partial.class, ValidationOutput.Partial::summary, "serving-partials");
            // Repartitioned on their own: merging before the repartition would put the raw records and the
            // predictions in one sub-topology, whose tasks then wait on (and are time-synchronised with) a topic that
            // has nothing to do with validating records.
            partials = partials.merge(singlePartition(servingPartials, "serving-partials"),
                    Named.as("with-serving-partials"));
        }

        if (spec.gates().conflictingLabels().isPresent()) {
            java.time.Duration labelWindow = spec.gates().conflictingLabels().get();
            builder.addStateStore(ConflictingLabels.storeBuilder(labelWindow));
            KStream<String, ValidationOutput> labelConflicts = only(outputs, ValidationOutput.LabelSeen.class, ValidationOutput.LabelSeen::value,
                    LABELS)
                    // By entity and features, so that every occurrence meets the same task and store.
                    .repartition(Repartitioned.<String, String>with(Serdes.String(), Serdes.String())
                            .withName("label-fingerprints"))
                    .process(() -> new ConflictingLabels(spec, labelWindow), Named.as("conflicting-labels"),
                            ConflictingLabels.STORE);
            partials = partials.merge(singlePartition(only(labelConflicts, ValidationOutput.Partial.class,
                    ValidationOutput.Partial::summary, "label-partials"), "label-partials"),
                    Named.as("with-label-partials"));
            only(labelConflicts, ValidationOutput.QualityAlert.class, ValidationOutput.QualityAlert::alert,
                    "label-alerts")
                    .to(serdes.topicName(Topics.MONITORING_ALERTS), Produced.<String, Alert>with(
                            serdes.keySerde(Topics.MONITORING_ALERTS), serdes.valueSerde(Topics.MONITORING_ALERTS))
                            .withName("label-alerts-sink"));
        }
        KStream<String, ValidationOutput> windows = partials
                .process(() -> new PipelineWindows(spec, reporter, registry), Named.as("pipeline-windows"),
                        PipelineWindows.STORE);

        only(windows, ValidationOutput.Report.class, ValidationOutput.Report::report, "reports")
                .to(serdes.topicName(Topics.QUALITY_REPORTS), Produced.<String, QualityReport>with(
                        serdes.keySerde(Topics.QUALITY_REPORTS), serdes.valueSerde(Topics.QUALITY_REPORTS))
                        .withName("reports-sink"));

        only(windows, ValidationOutput.QualityAlert.class, ValidationOutput.QualityAlert::alert, "quality-alerts")
                .to(serdes.topicName(Topics.MONITORING_ALERTS), Produced.<String, Alert>with(
                        serdes.keySerde(Topics.MONITORING_ALERTS), serdes.valueSerde(Topics.MONITORING_ALERTS))
                        .withName("quality-alerts-sink"));

        KStream<String, ValidationOutput> debounced =
                only(windows, ValidationOutput.DriftFinding.class, ValidationOutput.DriftFinding::alert, "drift-findings")
                        .process(() -> new DriftDebouncer(ids), Named.as("debounce-drift"), DriftDebouncer.STORE);
        only(debounced, ValidationOutput.DriftAlert.class, ValidationOutput.DriftAlert::alert, "drift-alerts")
                .to(serdes.topicName(Topics.MONITORING_ALERTS), Produced.<String, Alert>with(
                        serdes.keySerde(Topics.MONITORING_ALERTS), serdes.valueSerde(Topics.MONITORING_ALERTS))
                        .withName("alerts-sink"));
        only(debounced, ValidationOutput.DriftTrigger.class, ValidationOutput.DriftTrigger::trigger, "drift-triggers")
                .to(serdes.topicName(Topics.TRAINING_TRIGGERS), Produced.<String, TrainingTrigger>with(
                        serdes.keySerde(Topics.TRAINING_TRIGGERS), serdes.valueSerde(Topics.TRAINING_TRIGGERS))
                        .withName("triggers-sink"));
        return builder.build();
    }

    private static KStream<String, byte[]> singlePartition(KStream<String, byte[]> partials, String name) {
        return partials.repartition(Repartitioned.<String, byte[]>with(Serdes.String(), Serdes.ByteArray())
                .withName(name).withNumberOfPartitions(1));
    }

    /** The node of branch {@code name}: the first node {@link #only} adds. */
    static String branchNode(String name) {
        return "only-" + name;
    }

    private static <T extends ValidationOutput, V> KStream<String, V> only(
            KStream<String, ValidationOutput> outputs, Class<T> type, Function<T, V> unwrap, String name) {
        return outputs
                .filter((key, value) -> type.isInstance(value), Named.as(branchNode(name)))
                .mapValues(value -> unwrap.apply(type.cast(value)), Named.as("unwrap-" + name));
    }
}
