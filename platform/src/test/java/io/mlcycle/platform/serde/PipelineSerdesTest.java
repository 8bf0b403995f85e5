package io.mlcycle.platform.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.schemas.TopicDescriptor;
import io.mlcycle.schemas.Topics;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;

class PipelineSerdesTest {

    private static final Schema DATA = SchemaBuilder.record("Transaction").namespace("demo").fields()
            .requiredDouble("amount").requiredString("country")
            .name("channel").type().stringType().stringDefault("web").endRecord();

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final PipelineSerdes serdes = new PipelineSerdes(registry, AvroSerdeConfig.defaults(), "demo", DATA);

    @Test
    void keysAreStrings() {
        assertThat(serdes.keySerde(Topics.MODELS).getClass()).isEqualTo(Serdes.String().getClass());
        assertThat(serdes.keySerde(Topics.DATA_RAW).serializer().serialize("t", "k")).containsExactly('k');
    }

    @Test
    @SuppressWarnings("unchecked")
    void everySpecificTopicRoundTripsIntoItsGeneratedClass() {
        for (TopicDescriptor<?, ?> descriptor : Topics.all()) {
            if (descriptor.valueFormat() != TopicDescriptor.ValueFormat.SPECIFIC_AVRO) {
                continue;
            }
            Serde<Object> serde = (Serde<Object>) serdes.valueSerde(descriptor);
            String topic = serdes.topicName(descriptor);
            GenericRecord sample = SampleRecords.record(serdes.valueSchema(descriptor));

            byte[] wire = ((Serializer<Object>) serde.serializer()).serialize(topic, sample);
            Object read = serde.deserializer().deserialize(topic, wire);

            assertThat(read).as(topic).isInstanceOf(descriptor.valueType());
            // Re-serialising the generated object gives the same bytes: nothing lost on the way.
            assertThat(serde.serializer().serialize(topic, read)).as(topic).isEqualTo(wire);
        }
    }

    @Test
    @SuppressWarnings("unchecked")
    void dataTopicsReadIntoThePipelineSchemaWithDefaultsForOlderWriters() {
        Schema older = SchemaBuilder.record("Transaction").namespace("demo").fields()
                .requiredDouble("amount").requiredString("country").endRecord();
        GenericRecord old = new GenericData.Record(older);
        old.put("amount", 12.5);
        old.put("country", "NL");
        Serde<GenericRecord> serde = serdes.valueSerde(Topics.DATA_RAW);

        GenericRecord read = serde.deserializer().deserialize("demo.data.raw",
                serde.serializer().serialize("demo.data.raw", old));

        assertThat(read.getSchema()).isEqualTo(DATA);
        assertThat(read.get("amount")).isEqualTo(12.5);
        assertThat(read.get("channel").toString()).isEqualTo("web");
        assertThat(serdes.valueSerde(Topics.DATA_RAW)).as("built once").isSameAs(serde);
    }

    @Test
    void registerSchemasRegistersEveryTopicValue() {
        Map<String, Integer> ids = serdes.registerSchemas();

        assertThat(ids).hasSize(Topics.all().size());
        assertThat(ids).containsKeys("demo.data.raw-value", "demo.models-value", "demo.monitoring.alerts-value");
        assertThat(ids.get("demo.data.raw-value")).isEqualTo(ids.get("demo.data.validated-value"));
        assertThat(registry.getLatestSchemaMetadata("demo.data.raw-value").schema()).isEqualTo(DATA);
        assertThat(serdes.registerSchemas()).as("idempotent").isEqualTo(ids);
        assertThat(serdes.topicName(Topics.PREDICTIONS)).isEqualTo("demo.predictions");
    }

    @Test
    void rejectsBadPipelineNamesAndNonRecordSchemas() {
        assertThatThrownBy(() -> new PipelineSerdes(registry, AvroSerdeConfig.defaults(), "Bad Name", DATA))
                .hasMessageContaining("Bad Name");
        assertThatThrownBy(() -> new PipelineSerdes(registry, AvroSerdeConfig.defaults(), "demo", Schema.create(Schema.Type.STRING)))
                .hasMessageContaining("record");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aViewReadsSomeFieldsOfATopicsValues() {
        Schema full = serdes.valueSchema(Topics.PREDICTIONS);
        Schema view = Schema.createRecord(full.getName(), null, full.getNamespace(), false, java.util.List.of(
                new Schema.Field(full.getField("prediction_id"), full.getField("prediction_id").schema()),
                new Schema.Field(full.getField("score"), full.getField("score").schema())));
        GenericRecord sample = SampleRecords.record(full);
        sample.put("features", Map.of("x", 1.5d, "country", "DE"));
        sample.put("score", 0.75d);
        byte[] bytes = ((Serializer<Object>) (Serializer<?>) serdes.valueSerde(Topics.PREDICTIONS).serializer())
                .serialize("demo.predictions", sample);
        GenericRecord read = serdes.valueView(Topics.PREDICTIONS, view).deserialize("demo.predictions", bytes);
        assertThat(read.getSchema().getFields()).hasSize(2);
        assertThat(read.get("prediction_id").toString()).isEqualTo(sample.get("prediction_id").toString());
        assertThat(read.get("score")).isEqualTo(0.75d);
        assertThatThrownBy(() -> serdes.valueView(Topics.PREDICTIONS, DATA))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
