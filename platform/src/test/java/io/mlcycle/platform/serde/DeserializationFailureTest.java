package io.mlcycle.platform.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.registry.RegistryUnreachableException;
import io.mlcycle.platform.registry.SchemaRegistryClient;
import io.mlcycle.platform.testavro.Gadget;
import io.mlcycle.platform.testavro.Widget;
import java.util.Arrays;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.junit.jupiter.api.Test;

class DeserializationFailureTest {

    private static final String TOPIC = "demo.data.raw";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final ConfluentAvroSerializer<Object> serializer = new ConfluentAvroSerializer<>(registry, AvroSerdeConfig.defaults());
    private final ConfluentAvroDeserializer<Object> deserializer = new ConfluentAvroDeserializer<>(registry, AvroSerdeConfig.defaults());

    private byte[] widgetBytes() {
        return serializer.serialize(TOPIC, Widget.newBuilder().setName("abcdef").setCount(300).build());
    }

    @Test
    void wrongMagicByteIsBadMagicByte() {
        byte[] data = widgetBytes();
        data[0] = 5;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, data))
                .isInstanceOf(BadMagicByteException.class)
                .hasMessageStartingWith("Unknown magic byte 5").hasMessageContaining(TOPIC)
                .satisfies(e -> assertThat(((AvroSerdeException) e).failure()).isEqualTo(SerdeFailure.BAD_MAGIC_BYTE))
                .satisfies(e -> assertThat(((AvroSerdeException) e).topic()).isEqualTo(TOPIC));
    }

    @Test
    void plainJsonIsBadMagicByte() {
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, "{\"a\":1}".getBytes()))
                .isInstanceOf(BadMagicByteException.class).hasMessageContaining("Unknown magic byte 123");
    }

    @Test
    void unknownIdIsUnknownSchemaId() {
        byte[] data = widgetBytes();
        data[4] = 99;

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, data))
                .isInstanceOf(UnknownSchemaIdException.class).hasMessageContaining("99").hasMessageContaining(TOPIC)
                .satisfies(e -> assertThat(((AvroSerdeException) e).failure().isRecordFault()).isTrue());
    }

    @Test
    void shortHeaderIsTruncated() {
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[] {0, 0, 1}))
                .isInstanceOf(TruncatedRecordException.class).hasMessageContaining("truncated").hasMessageContaining(TOPIC);
        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, new byte[0]))
                .isInstanceOf(TruncatedRecordException.class).hasMessageContaining("truncated");
    }

    @Test
    void shortBodyIsTruncated() {
        byte[] full = widgetBytes();
        for (int cut = 5; cut < full.length; cut++) {
            byte[] data = Arrays.copyOf(full, cut);
            assertThatThrownBy(() -> deserializer.deserialize(TOPIC, data))
                    .as("cut at %d", cut)
                    .isInstanceOf(TruncatedRecordException.class).hasMessageContaining("truncated");
        }
    }

    @Test
    void negativeLengthIsMalformed() {
        byte[] data = widgetBytes();
        data[5] = 0x03; // zig-zag -2: a negative string length

        assertThatThrownBy(() -> deserializer.deserialize(TOPIC, data))
                .isInstanceOf(AvroSerdeException.class)
                .satisfies(e -> assertThat(((AvroSerdeException) e).failure()).isEqualTo(SerdeFailure.MALFORMED_RECORD));
    }

    @Test
    void incompatibleWriterForTheReaderClassIsSchemaMismatch() {
        Schema writer = SchemaBuilder.record("Gadget").namespace("io.mlcycle.platform.testavro").fields()
                .requiredString("name").requiredString("count").endRecord();
        GenericRecord record = new GenericData.Record(writer);
        record.put("name", "x");
        record.put("count", "not a number");
        byte[] data = serializer.serialize("other", record);
        ConfluentAvroDeserializer<Gadget> specific = new ConfluentAvroDeserializer<>(registry,
                AvroSerdeConfig.defaults().withSpecificReaderClass(Gadget.class));

        assertThatThrownBy(() -> specific.deserialize("other", data))
                .isInstanceOf(SchemaMismatchException.class).hasMessageContaining("count").hasMessageContaining("other");
    }

    @Test
    void writerNamingNoGeneratedClassIsSchemaMismatchForSpecificReads() {
        Schema writer = SchemaBuilder.record("Unknown").namespace("com.example").fields().requiredInt("a").endRecord();
        GenericRecord record = new GenericData.Record(writer);
        record.put("a", 1);
        byte[] data = serializer.serialize(TOPIC, record);
        ConfluentAvroDeserializer<Object> specific = new ConfluentAvroDeserializer<>(registry,
                AvroSerdeConfig.defaults().withSpecificAvroReader());

        assertThatThrownBy(() -> specific.deserialize(TOPIC, data))
                .isInstanceOf(SchemaMismatchException.class).hasMessageContaining("com.example.Unknown");
    }

    @Test
    void registryOutageIsNotARecordFault() {
        SchemaRegistryClient down = mock(SchemaRegistryClient.class);
        when(down.getSchemaById(1)).thenThrow(new RegistryUnreachableException("Schema registry unreachable at http://127.0.0.1:1", null));
        ConfluentAvroDeserializer<Object> reader = new ConfluentAvroDeserializer<>(down, AvroSerdeConfig.defaults());

        assertThatThrownBy(() -> reader.deserialize(TOPIC, widgetBytes()))
                .isInstanceOf(AvroSerdeException.class).hasMessageContaining("127.0.0.1:1")
                .satisfies(e -> assertThat(((AvroSerdeException) e).failure()).isEqualTo(SerdeFailure.REGISTRY_ERROR))
                .satisfies(e -> assertThat(((AvroSerdeException) e).failure().isRecordFault()).isFalse());
    }

    @Test
    void failuresAreKafkaSerializationExceptions() {
        assertThat(new BadMagicByteException(TOPIC, "m")).isInstanceOf(org.apache.kafka.common.errors.SerializationException.class);
    }
}
