package io.mlcycle.platform.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.testavro.Gadget;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class SchemaEvolutionTest {

    private static final String TOPIC = "demo.things";
    /** Version 1 of Gadget: no colour field. */
    private static final Schema GADGET_V1 = SchemaBuilder.record("Gadget").namespace("io.mlcycle.platform.testavro")
            .fields().requiredString("name").requiredInt("count").endRecord();

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();

    private GenericRecord v1(String name, int count) {
        GenericRecord record = new GenericData.Record(GADGET_V1);
        record.put("name", name);
        record.put("count", count);
        return record;
    }

    @Test
    void v1DataReadIntoTheV2ClassGetsTheDefault() {
        byte[] wire = new ConfluentAvroSerializer<GenericRecord>(registry, AvroSerdeConfig.defaults()).serialize(TOPIC, v1("old", 2));

        Gadget read = new ConfluentAvroDeserializer<Gadget>(registry, AvroSerdeConfig.defaults().withSpecificAvroReader())
                .deserialize(TOPIC, wire);

        assertThat(read.getName()).isEqualTo("old");
        assertThat(read.getCount()).isEqualTo(2);
        assertThat(read.getColour()).isEqualTo("blue");
    }

    @Test
    void v1DataReadGenericallyWithAV2ReaderSchemaGetsTheDefault() {
        byte[] wire = new ConfluentAvroSerializer<GenericRecord>(registry, AvroSerdeConfig.defaults()).serialize(TOPIC, v1("old", 2));

        GenericRecord read = new ConfluentAvroDeserializer<GenericRecord>(registry,
                AvroSerdeConfig.defaults().withReaderSchema(Gadget.getClassSchema())).deserialize(TOPIC, wire);

        assertThat(read.getSchema()).isEqualTo(Gadget.getClassSchema());
        assertThat(read.get("colour").toString()).isEqualTo("blue");
    }

    @Test
    void registeringV2AfterV1PassesBackwardCompatibility() {
        new ConfluentAvroSerializer<GenericRecord>(registry, AvroSerdeConfig.defaults()).serialize(TOPIC, v1("a", 1));
        new ConfluentAvroSerializer<Gadget>(registry, AvroSerdeConfig.defaults())
                .serialize(TOPIC, Gadget.newBuilder().setName("b").setCount(2).setColour("red").build());

        assertThat(registry.getAllVersions(TOPIC + "-value")).containsExactly(1, 2);
    }

    @Test
    void incompatibleChangeIsRefusedOnAutoRegister() {
        new ConfluentAvroSerializer<GenericRecord>(registry, AvroSerdeConfig.defaults()).serialize(TOPIC, v1("a", 1));
        Schema breaking = SchemaBuilder.record("Gadget").namespace("io.mlcycle.platform.testavro")
                .fields().requiredString("name").requiredInt("count").requiredString("size").endRecord();
        GenericRecord record = new GenericData.Record(breaking);
        record.put("name", "a");
        record.put("count", 1);
        record.put("size", "XL");

        assertThatThrownBy(() -> new ConfluentAvroSerializer<GenericRecord>(registry, AvroSerdeConfig.defaults()).serialize(TOPIC, record))
                .isInstanceOf(AvroSerdeException.class).hasMessageContaining("size")
                .satisfies(e -> assertThat(((AvroSerdeException) e).failure()).isEqualTo(SerdeFailure.INCOMPATIBLE_SCHEMA));
    }

    @Test
    void useLatestVersionWritesOlderRecordsAsTheLatestSchema() {
        registry.register(TOPIC + "-value", GADGET_V1);
        int latestId = registry.register(TOPIC + "-value", Gadget.getClassSchema());
        ConfluentAvroSerializer<GenericRecord> serializer = new ConfluentAvroSerializer<>(registry,
                AvroSerdeConfig.defaults().withAutoRegisterSchemas(false).withUseLatestVersion(true));

        byte[] wire = serializer.serialize(TOPIC, v1("old", 3));

        assertThat(wire).startsWith(0, 0, 0, 0, latestId);
        Gadget read = new ConfluentAvroDeserializer<Gadget>(registry, AvroSerdeConfig.defaults().withSpecificAvroReader())
                .deserialize(TOPIC, wire);
        assertThat(read).isEqualTo(Gadget.newBuilder().setName("old").setCount(3).setColour("blue").build());
    }

    @Test
    void useLatestVersionRefusesARecordTheLatestSchemaCannotRead() {
        Schema unrelated = SchemaBuilder.record("Gadget").namespace("io.mlcycle.platform.testavro")
                .fields().requiredLong("weight").endRecord();
        registry.register(TOPIC + "-value", Gadget.getClassSchema());
        GenericRecord record = new GenericData.Record(unrelated);
        record.put("weight", 1L);

        assertThatThrownBy(() -> new ConfluentAvroSerializer<GenericRecord>(registry,
                AvroSerdeConfig.defaults().withUseLatestVersion(true)).serialize(TOPIC, record))
                .isInstanceOf(SchemaMismatchException.class).hasMessageContaining(TOPIC + "-value");
    }

    @Test
    void useLatestVersionWithoutAnyVersionSaysSo() {
        assertThatThrownBy(() -> new ConfluentAvroSerializer<GenericRecord>(registry,
                AvroSerdeConfig.defaults().withUseLatestVersion(true)).serialize(TOPIC, v1("a", 1)))
                .isInstanceOf(SchemaNotRegisteredException.class).hasMessageContaining(TOPIC + "-value");
    }
}
