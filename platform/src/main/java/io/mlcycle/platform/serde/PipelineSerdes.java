package io.mlcycle.platform.serde;

import io.mlcycle.platform.registry.SchemaRegistryClient;
import io.mlcycle.schemas.TopicDescriptor;
import io.mlcycle.schemas.Topics;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The serdes of one pipeline's topics, made from their {@link TopicDescriptor}s: String keys use
 * {@link Serdes#String()}; generated-class values use a specific {@link ConfluentAvroSerde}; the pipeline's data
 * topics use a generic serde that reads into the pipeline's data schema. Immutable apart from a cache of the
 * serdes it built (each built once and shared; they are thread-safe).
 */
public final class PipelineSerdes {

    private final SchemaRegistryClient registry;
    private final AvroSerdeConfig config;
    private final String pipeline;
    private final Schema dataSchema;
    private final Map<TopicDescriptor<?, ?>, Serde<?>> valueSerdes = new ConcurrentHashMap<>();
    private final Map<TopicDescriptor<?, ?>, Serde<?>> keySerdes = new ConcurrentHashMap<>();

    /**
     * @param registry   the registry client (owned by the caller; serdes never close it)
     * @param config     base serde settings (auto-register, subject strategy); reader settings are set per topic
     * @param pipeline   the pipeline name
     * @param dataSchema the pipeline's data record schema (from the spec)
     */
    public PipelineSerdes(SchemaRegistryClient registry, AvroSerdeConfig config, String pipeline, Schema dataSchema) {
        this.registry = Objects.requireNonNull(registry, "registry");
        this.config = Objects.requireNonNull(config, "config");
        this.pipeline = TopicDescriptor.requireValidPipelineName(pipeline);
        this.dataSchema = Objects.requireNonNull(dataSchema, "dataSchema");
        if (dataSchema.getType() != Schema.Type.RECORD) {
            throw new IllegalArgumentException("the pipeline data schema must be an Avro record, was " + dataSchema.getType());
        }
    }

    public String pipeline() {
        return pipeline;
    }

    public Schema dataSchema() {
        return dataSchema;
    }

    public SchemaRegistryClient registry() {
        return registry;
    }

    /** The topic's full name for this pipeline. */
    public String topicName(TopicDescriptor<?, ?> descriptor) {
        return descriptor.name(pipeline);
    }

    @SuppressWarnings("unchecked")
    public <K, V> Serde<K> keySerde(TopicDescriptor<K, V> descriptor) {
        return (Serde<K>) keySerdes.computeIfAbsent(descriptor, d -> {
            if (d.keyType() == String.class) {
                return Serdes.String();
            }
            return new ConfluentAvroSerde<>(registry, readerConfigFor(d.keyType()), true);
        });
    }

    @SuppressWarnings("unchecked")
    public <K, V> Serde<V> valueSerde(TopicDescriptor<K, V> descriptor) {
        return (Serde<V>) valueSerdes.computeIfAbsent(descriptor, d -> switch (d.valueFormat()) {
            case SPECIFIC_AVRO -> new ConfluentAvroSerde<>(registry, readerConfigFor(d.valueType()), false);
            case PIPELINE_DATA -> new ConfluentAvroSerde<>(registry, config.withReaderSchema(dataSchema), false);
        });
    }

    /**
     * A deserializer of a topic's values into GenericRecords of {@code view}, a projection of the topic's value
     * schema (the same record name, some of its fields): Avro skips the writer's other fields without building them,
     * for a consumer that needs a few fields of a large record.
     */
    public Deserializer<GenericRecord> valueView(TopicDescriptor<?, ?> descriptor, Schema view) {
        if (!view.getFullName().equals(valueSchema(descriptor).getFullName())) {
            throw new IllegalArgumentException("a view of " + valueSchema(descriptor).getFullName() + " must keep its"
                    + " name, not " + view.getFullName());
        }
        return new ConfluentAvroDeserializer<>(registry, config.withReaderSchema(view), false);
    }

    /** The Avro schema written to a topic's values. */
    public Schema valueSchema(TopicDescriptor<?, ?> descriptor) {
        return switch (descriptor.valueFormat()) {
            case SPECIFIC_AVRO -> SpecificData.get().getSchema(descriptor.valueType());
            case PIPELINE_DATA -> dataSchema;
        };
    }

    /** The registry subject of a topic's values under the configured strategy. */
    public String valueSubject(TopicDescriptor<?, ?> descriptor) {
        return config.valueSubjectNameStrategy().subjectName(topicName(descriptor), false, valueSchema(descriptor));
    }

    /**
     * Registers the value schema of every topic of {@link Topics#all()} for this pipeline (what {@code mlcycle up}
     * does, so services may run with auto-registration off). Returns subject to schema id, in catalog order.
     */
    public Map<String, Integer> registerSchemas() {
        Map<String, Integer> ids = new LinkedHashMap<>();
        for (TopicDescriptor<?, ?> descriptor : Topics.all()) {
            String subject = valueSubject(descriptor);
            ids.put(subject, registry.register(subject, valueSchema(descriptor)));
        }
        return ids;
    }

    @SuppressWarnings("unchecked")
    private AvroSerdeConfig readerConfigFor(Class<?> type) {
        if (SpecificRecord.class.isAssignableFrom(type)) {
            return config.withSpecificReaderClass((Class<? extends SpecificRecord>) type);
        }
        return config.withGenericReader();
    }
}
