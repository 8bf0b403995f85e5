package io.mlcycle.platform.serde;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.testavro.Widget;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.UUID;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

/**
 * Records framed as Confluent 8.1+ producers frame them with {@code HeaderSchemaIdSerializer}: the value is plain
 * Avro binary and the {@code __value_schema_id} / {@code __key_schema_id} header holds version byte 1 and the
 * schema GUID (16 bytes, big-endian UUID), or version byte 0 and the 4-byte id. Confluent's default deserializer
 * (DualSchemaIdDeserializer) prefers the header and falls back to the payload prefix; so does ours.
 */
class HeaderSchemaIdTest {

    private static final String TOPIC = "demo.data.raw";

    private final InMemorySchemaRegistryClient registry = new InMemorySchemaRegistryClient();
    private final ConfluentAvroDeserializer<Object> specificReader =
            new ConfluentAvroDeserializer<>(registry, AvroSerdeConfig.defaults().withSpecificAvroReader());
    private final Widget widget = Widget.newBuilder().setName("ab").setCount(64).build();

    private static byte[] avroBody(Widget value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BinaryEncoder encoder = EncoderFactory.get().directBinaryEncoder(out, null);
        new SpecificDatumWriter<Widget>(Widget.getClassSchema()).write(value, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /** {@code SchemaId.guidToBytes()}: 0x01 then the UUID's most and least significant longs. */
    private static byte[] guidHeader(String guid) {
        UUID uuid = UUID.fromString(guid);
        return ByteBuffer.allocate(17).put((byte) 1).putLong(uuid.getMostSignificantBits())
                .putLong(uuid.getLeastSignificantBits()).array();
    }

    @Test
    void guidHeaderNamesTheWriterSchemaAndTheValueIsPlainAvro() throws Exception {
        registry.register(TOPIC + "-value", Widget.getClassSchema());
        String guid = InMemorySchemaRegistryClient.guidOf(Widget.getClassSchema());
        RecordHeaders headers = new RecordHeaders();
        headers.add("__value_schema_id", guidHeader(guid));

        Object read = specificReader.deserialize(TOPIC, headers, avroBody(widget));

        assertThat(read).isEqualTo(widget);
        assertThat(avroBody(widget)).containsExactly(0x04, 'a', 'b', 0x80, 0x01);
    }

    @Test
    void idHeaderWithVersionByteZeroIsReadToo() throws Exception {
        int id = registry.register(TOPIC + "-value", Widget.getClassSchema());
        RecordHeaders headers = new RecordHeaders();
        headers.add("__value_schema_id", ByteBuffer.allocate(5).put((byte) 0).putInt(id).array());

        assertThat(specificReader.deserialize(TOPIC, headers, avroBody(widget))).isEqualTo(widget);
    }

    @Test
    void withoutTheHeaderThePayloadPrefixIsUsedAndAKeyHeaderDoesNotApplyToValues() throws Exception {
        int id = registry.register(TOPIC + "-value", Widget.getClassSchema());
        byte[] body = avroBody(widget);
        byte[] prefixed = ByteBuffer.allocate(5 + body.length).put((byte) 0).putInt(id).put(body).array();
        RecordHeaders keyHeaderOnly = new RecordHeaders();
        keyHeaderOnly.add("__key_schema_id", guidHeader(UUID.randomUUID().toString()));

        assertThat(specificReader.deserialize(TOPIC, new RecordHeaders(), prefixed)).isEqualTo(widget);
        assertThat(specificReader.deserialize(TOPIC, keyHeaderOnly, prefixed)).isEqualTo(widget);
    }

    @Test
    void keyDeserializerReadsTheKeyHeader() throws Exception {
        registry.register(TOPIC + "-key", Widget.getClassSchema());
        ConfluentAvroDeserializer<Object> keyReader =
                new ConfluentAvroDeserializer<>(registry, AvroSerdeConfig.defaults().withSpecificAvroReader(), true);
        RecordHeaders headers = new RecordHeaders();
        headers.add("__key_schema_id", guidHeader(InMemorySchemaRegistryClient.guidOf(Widget.getClassSchema())));

        assertThat(keyReader.deserialize(TOPIC, headers, avroBody(widget))).isEqualTo(widget);
    }

    @Test
    void unknownGuidAndUnreadableHeaderAreBadRecordsNamingTheProblem() throws Exception {
        registry.register(TOPIC + "-value", Widget.getClassSchema());
        String unknown = UUID.randomUUID().toString();
        RecordHeaders unknownGuid = new RecordHeaders();
        unknownGuid.add("__value_schema_id", guidHeader(unknown));
        RecordHeaders garbage = new RecordHeaders();
        garbage.add("__value_schema_id", new byte[] {7, 1, 2});

        assertThatThrownBy(() -> specificReader.deserialize(TOPIC, unknownGuid, avroBody(widget)))
                .isInstanceOf(UnknownSchemaIdException.class).hasMessageContaining(unknown).hasMessageContaining(TOPIC);
        assertThatThrownBy(() -> specificReader.deserialize(TOPIC, garbage, avroBody(widget)))
                .isInstanceOf(BadMagicByteException.class).hasMessageContaining("__value_schema_id")
                .hasMessageContaining("version byte 7");
        byte[] truncated = Arrays.copyOf(avroBody(widget), 2);
        RecordHeaders good = new RecordHeaders();
        good.add("__value_schema_id", guidHeader(InMemorySchemaRegistryClient.guidOf(Widget.getClassSchema())));
        assertThatThrownBy(() -> specificReader.deserialize(TOPIC, good, truncated))
                .isInstanceOf(TruncatedRecordException.class);
    }
}
