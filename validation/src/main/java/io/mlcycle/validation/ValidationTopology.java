package io.mlcycle.validation;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.TrainingTrigger;
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
 * &lt;p&gt;.data.raw (bytes) -&gt; validate (gates, duplicates, quality window; stores: window counters, window
 *                                      records, duplicates by event id (windowed, bounded retention);
 *                                      reads the global models mirror)
 *     -&gt; &lt;p&gt;.data.validated | &lt;p&gt;.data.quarantine | &lt;p&gt;.quality.reports
 *     -&gt; drift findings -&gt; repartition to 1 partition -&gt; debounce (store: last triggered champion version)
 *         -&gt; &lt;p&gt;.monitoring.alerts + &lt;p&gt;.training.triggers
 * &lt;p&gt;.models -&gt; global store (raw bytes)
 * </pre>
 */
public final class ValidationTopology {

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

        StreamsBuilder builder = new StreamsBuilder();
        builder.addGlobalStore(
                Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(ModelRegistryMirror.STORE),
                        Serdes.Bytes(), Serdes.ByteArray()).withLoggingDisabled(),
                modelsTopic,
                Consumed.with(Serdes.Bytes(), Serdes.ByteArray()).withName("models-source"),
                ModelRegistryMirror.Updater::new);
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(QualityWindow.COUNTERS_STORE), Serdes.String(), Serdes.Long())
                .withCachingEnabled());
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(QualityWindow.RECORDS_STORE), Serdes.Long(), Serdes.ByteArray()));
        builder.addStateStore(Stores.keyValueStoreBuilder(
                Stores.inMemoryKeyValueStore(DriftDebouncer.STORE), Serdes.String(), Serdes.String()));

        List<String> validateStores = new ArrayList<>(List.of(QualityWindow.COUNTERS_STORE, QualityWindow.RECORDS_STORE));
        spec.gates().duplicates().ifPresent(retention -> {
            builder.addStateStore(DuplicateDetector.storeBuilder(retention));
            validateStores.add(DuplicateDetector.STORE);
        });

        KStream<String, ValidationOutput> outputs = builder
                .stream(rawTopic, Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("raw-source"))
                .process(() -> new ValidationProcessor(spec, gates, keys.deserializer(), rawValues.deserializer(),
                                rawTopic, registry, reporter, maxRequestSize),
                        Named.as("validate"), validateStores.toArray(String[]::new));

        only(outputs, ValidationOutput.Validated.class, ValidationOutput.Validated::record, "validated")
                .to(serdes.topicName(Topics.DATA_VALIDATED), Produced.with(serdes.keySerde(Topics.DATA_VALIDATED),
                        serdes.valueSerde(Topics.DATA_VALIDATED)).withName("validated-sink"));
        only(outputs, ValidationOutput.Quarantined.class, ValidationOutput.Quarantined::record, "quarantined")
                .to(serdes.topicName(Topics.DATA_QUARANTINE), Produced.<String, QuarantineRecord>with(
                        serdes.keySerde(Topics.DATA_QUARANTINE), serdes.valueSerde(Topics.DATA_QUARANTINE))
                        .withName("quarantine-sink"));
        only(outputs, ValidationOutput.Report.class, ValidationOutput.Report::report, "reports")
                .to(serdes.topicName(Topics.QUALITY_REPORTS), Produced.<String, QualityReport>with(
                        serdes.keySerde(Topics.QUALITY_REPORTS), serdes.valueSerde(Topics.QUALITY_REPORTS))
                        .withName("reports-sink"));

        only(outputs, ValidationOutput.QualityAlert.class, ValidationOutput.QualityAlert::alert, "quality-alerts")
                .to(serdes.topicName(Topics.MONITORING_ALERTS), Produced.<String, Alert>with(
                        serdes.keySerde(Topics.MONITORING_ALERTS), serdes.valueSerde(Topics.MONITORING_ALERTS))
                        .withName("quality-alerts-sink"));

        KStream<String, ValidationOutput> debounced =
                only(outputs, ValidationOutput.DriftFinding.class, ValidationOutput.DriftFinding::alert, "drift-findings")
                        // One partition: the debounce must see every task's findings to fire once per champion.
                        .repartition(Repartitioned.<String, Alert>with(Serdes.String(),
                                        new InternalAvroSerde<>(Alert.class))
                                .withName("drift-findings").withNumberOfPartitions(1))
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

    private static <T extends ValidationOutput, V> KStream<String, V> only(
            KStream<String, ValidationOutput> outputs, Class<T> type, Function<T, V> unwrap, String name) {
        return outputs
                .filter((key, value) -> type.isInstance(value), Named.as("only-" + name))
                .mapValues(value -> unwrap.apply(type.cast(value)), Named.as("unwrap-" + name));
    }
}
