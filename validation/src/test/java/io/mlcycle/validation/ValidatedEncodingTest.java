package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link ValidatedEncoding} in the topology: a record that passes unchanged is forwarded as its raw bytes; one that
 * normalising changed, or that was written with another schema, is re-encoded with the validated topic's schema.
 */
class ValidatedEncodingTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    @TempDir
    Path stateDir;

    private PipelineSerdes serdes;
    private InMemorySchemaRegistryClient registry;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<String, byte[]> validatedBytes;
    private final Random random = new Random(3);

    @BeforeEach
    void start() {
        PipelineSpec spec = TestPipeline.spec(100);
        registry = new InMemorySchemaRegistryClient();
        serdes = new PipelineSerdes(registry, AvroSerdeConfig.defaults(), TestPipeline.NAME, spec.dataSchema());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "mlcycle-loans-validation");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ValidationTopology.buildTopology(spec, serdes), props, NOW);
        raw = driver.createInputTopic("loans.data.raw", new ByteArraySerializer(), new ByteArraySerializer());
        validatedBytes = driver.createOutputTopic("loans.data.validated", new StringDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void unchangedRecordsAreForwardedAsTheirRawBytesAndChangedOnesAreReencoded() {
        GenericRecord first = record("a-1");
        GenericRecord second = record("a-2");
        byte[] firstBytes = encodeRaw(first);
        byte[] secondBytes = encodeRaw(second);
        GenericRecord padded = record("a-3");
        padded.put("employment", "  Self_Employed ");
        byte[] paddedBytes = encodeRaw(padded);

        raw.pipeInput("e-1".getBytes(StandardCharsets.UTF_8), firstBytes, NOW);
        raw.pipeInput("e-2".getBytes(StandardCharsets.UTF_8), secondBytes, NOW);
        raw.pipeInput("e-3".getBytes(StandardCharsets.UTF_8), paddedBytes, NOW);

        List<byte[]> out = validatedBytes.readValuesToList();
        assertThat(out).hasSize(3);
        // The first record teaches the encoder the validated schema id; it is serialised, to the same bytes.
        assertThat(out.get(0)).isEqualTo(firstBytes);
        assertThat(out.get(1)).isSameAs(secondBytes).isEqualTo(secondBytes);
        assertThat(out.get(2)).isNotEqualTo(paddedBytes);
        GenericRecord normalised = serdes.valueSerde(Topics.DATA_VALIDATED).deserializer()
                .deserialize("loans.data.validated", out.get(2));
        assertThat(normalised.get("employment").toString()).isEqualTo("self_employed");
        assertThat(normalised.get("application_id").toString()).isEqualTo("a-3");
    }

    @Test
    void aRecordWrittenWithAnotherSchemaIsReencodedWithTheValidatedOne() throws Exception {
        raw.pipeInput("e-1".getBytes(StandardCharsets.UTF_8), encodeRaw(record("a-1")), NOW);
        // The same record with one more optional field: another schema, another id, compatible with the first.
        List<Schema.Field> fields = new java.util.ArrayList<>();
        for (Schema.Field field : serdes.dataSchema().getFields()) {
            fields.add(new Schema.Field(field, field.schema()));
        }
        fields.add(new Schema.Field("note", SchemaBuilder.builder().nullable().stringType(), null,
                Schema.Field.NULL_DEFAULT_VALUE));
        Schema older = Schema.createRecord(serdes.dataSchema().getName(), null, serdes.dataSchema().getNamespace(),
                false, fields);
        int olderId = registry.register("loans.data.raw-value", older);
        GenericData.Record written = new GenericData.Record(older);
        GenericRecord values = record("a-2");
        for (Schema.Field field : older.getFields()) {
            written.put(field.name(), values.hasField(field.name()) ? values.get(field.name()) : null);
        }
        byte[] olderBytes = withPrefix(olderId, older, written);
        raw.pipeInput("e-2".getBytes(StandardCharsets.UTF_8), olderBytes, NOW);

        List<byte[]> out = validatedBytes.readValuesToList();
        assertThat(out).hasSize(2);
        assertThat(schemaId(out.get(1))).isEqualTo(schemaId(out.get(0))).isNotEqualTo(olderId);
        GenericRecord decoded = serdes.valueSerde(Topics.DATA_VALIDATED).deserializer()
                .deserialize("loans.data.validated", out.get(1));
        assertThat(decoded.get("application_id").toString()).isEqualTo("a-2");
        assertThat(decoded.getSchema()).isEqualTo(serdes.dataSchema());
    }

    @Test
    void unchangedComparesTextAsTextAndNumbersByType() {
        GenericRecord decoded = record("a-1");
        decoded.put("email", new org.apache.avro.util.Utf8("a-1@example.com"));
        GenericRecord normalised = new GenericData.Record(serdes.dataSchema());
        for (Schema.Field field : serdes.dataSchema().getFields()) {
            Object value = decoded.get(field.pos());
            normalised.put(field.pos(), value instanceof CharSequence text ? text.toString() : value);
        }
        assertThat(ValidatedEncoding.unchanged(decoded, normalised)).isTrue();
        normalised.put("email", "A-1@example.com");
        assertThat(ValidatedEncoding.unchanged(decoded, normalised)).isFalse();
        normalised.put("email", "a-1@example.com");
        normalised.put("income", ((Double) decoded.get("income")) + 0.5);
        assertThat(ValidatedEncoding.unchanged(decoded, normalised)).isFalse();
    }

    private GenericRecord record(String id) {
        return TestPipeline.record(serdes.dataSchema(), id, NOW.minusSeconds(60), random, 0);
    }

    private byte[] encodeRaw(GenericRecord record) {
        return serdes.valueSerde(Topics.DATA_RAW).serializer().serialize("loans.data.raw", record);
    }

    private static byte[] withPrefix(int id, Schema schema, GenericRecord record) throws Exception {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(id).array());
        org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(out, null);
        new org.apache.avro.generic.GenericDatumWriter<GenericRecord>(schema).write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    private static int schemaId(byte[] value) {
        return ByteBuffer.wrap(value, 1, 4).getInt();
    }
}
