package io.mlcycle.platform.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.testavro.Widget;
import java.nio.ByteBuffer;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.util.Utf8;
import org.junit.jupiter.api.Test;

class ConfluentAvroWireFormatTest {

    private static final String TOPIC = "demo.data.raw";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final ConfluentAvroSerializer<Object> serializer = new ConfluentAvroSerializer<>(registry, AvroSerdeConfig.defaults());
    private final ConfluentAvroDeserializer<Object> genericReader = new ConfluentAvroDeserializer<>(registry, AvroSerdeConfig.defaults());
    private final ConfluentAvroDeserializer<Object> specificReader =
            new ConfluentAvroDeserializer<>(registry, AvroSerdeConfig.defaults().withSpecificAvroReader());

    private static byte[] bytes(int... values) {
        byte[] out = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = (byte) values[i];
        }
        return out;
    }

    @Test
    void specificRecordIsMagicByteThenBigEndianIdThenAvroBinary() {
        Widget widget = Widget.newBuilder().setName("ab").setCount(64).build();

        byte[] wire = serializer.serialize(TOPIC, widget);

        // 0x00 | id 1 as 4 bytes big-endian | "ab": zig-zag length 2 -> 0x04, 'a', 'b' | int 64: zig-zag 128 -> 0x80 0x01
        assertThat(wire).containsExactly(bytes(0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x61, 0x62, 0x80, 0x01));
        assertThat(registry.getAllSubjects()).containsExactly(TOPIC + "-value");
    }

    @Test
    void genericRecordWithTheSameSchemaGivesTheSameBytes() {
        GenericRecord record = new GenericData.Record(Widget.getClassSchema());
        record.put("name", "ab");
        record.put("count", -1);

        byte[] wire = serializer.serialize(TOPIC, record);

        // int -1: zig-zag 1 -> 0x01
        assertThat(wire).containsExactly(bytes(0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x61, 0x62, 0x01));
    }

    @Test
    void schemaIdUsesAllFourBytesBigEndian() {
        Schema other = Schema.createRecord("Other", null, "x", false, java.util.List.of(
                new Schema.Field("v", Schema.create(Schema.Type.LONG))));
        // Push ids to 258 = 0x0102 so the byte order is visible.
        for (int i = 0; i < 257; i++) {
            registry.register("filler-" + i, Schema.createEnum("E" + i, null, "x", java.util.List.of("A")));
        }
        GenericRecord record = new GenericData.Record(other);
        record.put("v", 1L);

        byte[] wire = serializer.serialize(TOPIC, record);

        assertThat(wire).startsWith(bytes(0x00, 0x00, 0x00, 0x01, 0x02)).endsWith(bytes(0x02));
    }

    @Test
    void primitivesAreEncodedAsConfluentDoes() {
        assertThat(serializer.serialize("t1", "hi")).containsExactly(bytes(0, 0, 0, 0, 1, 0x04, 'h', 'i'));
        assertThat(serializer.serialize("t2", 3)).containsExactly(bytes(0, 0, 0, 0, 2, 0x06));
        assertThat(serializer.serialize("t3", 3L)).containsExactly(bytes(0, 0, 0, 0, 3, 0x06));
        assertThat(serializer.serialize("t4", true)).containsExactly(bytes(0, 0, 0, 0, 4, 0x01));
        // bytes are written raw, with no Avro length prefix (Confluent's special case)
        assertThat(serializer.serialize("t5", new byte[] {9, 8, 7})).containsExactly(bytes(0, 0, 0, 0, 5, 9, 8, 7));
        assertThat(serializer.serialize("t6", 1.0f)).containsExactly(bytes(0, 0, 0, 0, 6, 0x00, 0x00, 0x80, 0x3F));
        assertThat(serializer.serialize("t7", 1.0d)).containsExactly(bytes(0, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F));
        assertThat(registry.getLatestSchemaMetadata("t1-value").schema()).isEqualTo(Schema.create(Schema.Type.STRING));
        assertThat(registry.getLatestSchemaMetadata("t5-value").schema()).isEqualTo(Schema.create(Schema.Type.BYTES));
        assertThat(serializer.serialize(TOPIC, null)).isNull();
    }

    @Test
    void primitivesRoundTrip() {
        assertThat(genericReader.deserialize("s", serializer.serialize("s", "héllo"))).isEqualTo("héllo");
        assertThat(genericReader.deserialize("i", serializer.serialize("i", 42))).isEqualTo(42);
        assertThat(genericReader.deserialize("l", serializer.serialize("l", 42L))).isEqualTo(42L);
        assertThat(genericReader.deserialize("d", serializer.serialize("d", 2.5d))).isEqualTo(2.5d);
        assertThat(genericReader.deserialize("b", serializer.serialize("b", false))).isEqualTo(false);
        assertThat((byte[]) genericReader.deserialize("y", serializer.serialize("y", new byte[] {1, 2}))).containsExactly(1, 2);
        assertThat((byte[]) genericReader.deserialize("y", serializer.serialize("y", ByteBuffer.wrap(new byte[] {3})))).containsExactly(3);
        // specific reader falls back to plain values for primitives, as Confluent's does
        assertThat(specificReader.deserialize("s", serializer.serialize("s", "x"))).isEqualTo("x");
    }

    @Test
    void specificRecordRoundTripsIntoTheGeneratedClass() {
        Widget widget = Widget.newBuilder().setName("gear").setCount(7).build();

        Object read = specificReader.deserialize(TOPIC, serializer.serialize(TOPIC, widget));

        assertThat(read).isInstanceOf(Widget.class).isEqualTo(widget);
    }

    @Test
    void genericReadGivesAGenericRecordWithTheWriterSchema() {
        Widget widget = Widget.newBuilder().setName("gear").setCount(7).build();

        Object read = genericReader.deserialize(TOPIC, serializer.serialize(TOPIC, widget));

        assertThat(read).isInstanceOf(GenericData.Record.class);
        GenericRecord record = (GenericRecord) read;
        assertThat(record.get("name").toString()).isEqualTo("gear");
        assertThat(record.get("count")).isEqualTo(7);
        assertThat(record.getSchema().getFullName()).isEqualTo("io.mlcycle.platform.testavro.Widget");
    }

    @Test
    void nullBytesAreATombstone() {
        assertThat(genericReader.deserialize(TOPIC, null)).isNull();
        assertThat(specificReader.deserialize(TOPIC, null)).isNull();
    }

    @Test
    void unsupportedJavaTypeIsRejectedWithItsName() {
        assertThatThrownBy(() -> serializer.serialize(TOPIC, new java.util.Date()))
                .isInstanceOf(AvroSerdeException.class)
                .hasMessageContaining("java.util.Date").hasMessageContaining(TOPIC)
                .extracting(e -> ((AvroSerdeException) e).failure()).isEqualTo(SerdeFailure.UNSUPPORTED_TYPE);
    }

    @Test
    void invalidValueNamesTheTopicAndRecord() {
        GenericRecord record = new GenericData.Record(Widget.getClassSchema());
        record.put("count", 1); // name missing

        assertThatThrownBy(() -> serializer.serialize(TOPIC, record))
                .isInstanceOf(AvroSerdeException.class)
                .hasMessageContaining(TOPIC).hasMessageContaining("Widget")
                .extracting(e -> ((AvroSerdeException) e).failure()).isEqualTo(SerdeFailure.INVALID_VALUE);
    }

    @Test
    void aRecordThatFailsHalfWrittenLeavesNothingBehindForTheNext() {
        GenericRecord half = new GenericData.Record(Widget.getClassSchema());
        half.put("name", "zzzz"); // written to the encoder's buffer before the missing count fails
        assertThatThrownBy(() -> serializer.serialize(TOPIC, half)).isInstanceOf(AvroSerdeException.class);

        Widget widget = Widget.newBuilder().setName("ab").setCount(64).build();
        assertThat(serializer.serialize(TOPIC, widget))
                .containsExactly(bytes(0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x61, 0x62, 0x80, 0x01));
    }

    @Test
    void utf8StringsAreAcceptedAsStringValues() {
        assertThat(serializer.serialize("t", new Utf8("hi"))).containsExactly(bytes(0, 0, 0, 0, 1, 0x04, 'h', 'i'));
    }

    @Test
    void serdeSharesOneCodecAndIsKeyAware() {
        ConfluentAvroSerde<Widget> serde = new ConfluentAvroSerde<>(registry,
                AvroSerdeConfig.defaults().withSpecificReaderClass(Widget.class), true);
        Widget widget = Widget.newBuilder().setName("k").setCount(1).build();

        byte[] wire = serde.serializer().serialize(TOPIC, widget);

        assertThat(serde.deserializer().deserialize(TOPIC, wire)).isEqualTo(widget);
        assertThat(registry.getAllSubjects()).containsExactly(TOPIC + "-key");
    }
}
