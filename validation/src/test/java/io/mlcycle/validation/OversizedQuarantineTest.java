package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.mlcore.quarantine.QuarantineFit;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;

import java.util.Properties;
import java.util.Random;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Regression: a raw record whose quarantine copy would exceed the producer's {@code max.request.size} (a value near
 * 1 MiB, or a small value with 600 KB of headers) made the quarantine write fail with RecordTooLargeException and
 * killed the stream thread for good. The copy must fit, with the original's size and digest and a reason.
 */
class OversizedQuarantineTest {

    /** Per-record overhead the producer adds to key, value and headers (record batch header and varints). */
    private static final int RECORD_OVERHEAD = 128;
    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");

    @TempDir
    Path stateDir;

    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<byte[], byte[]> quarantineBytes;
    private PipelineSerdes serdes;
    private PipelineSpec spec;

    @BeforeEach
    void start() {
        spec = TestPipeline.spec(1000);
        serdes = new PipelineSerdes(new InMemorySchemaRegistryClient(), AvroSerdeConfig.defaults(), TestPipeline.NAME,
                spec.dataSchema());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "mlcycle-loans-validation");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ValidationTopology.buildTopology(spec, serdes), props, NOW);
        raw = driver.createInputTopic("loans.data.raw", new ByteArraySerializer(), new ByteArraySerializer());
        quarantineBytes = driver.createOutputTopic("loans.data.quarantine", new ByteArrayDeserializer(),
                new ByteArrayDeserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aValueNearOneMebibyteIsQuarantinedCutWithItsSizeAndDigest() {
        byte[] value = new byte[1_048_000];
        Arrays.fill(value, (byte) 'x');
        raw.pipeInput(new TestRecord<>(bytes("event-big"), value, new RecordHeaders().add("origin", bytes("probe")),
                NOW));

        TestRecord<byte[], byte[]> out = quarantineBytes.readRecord();
        assertThat(requestBytes(out)).isLessThanOrEqualTo(QuarantineFit.DEFAULT_MAX_REQUEST_SIZE);
        QuarantineRecord q = decode(out);
        assertThat(q.getEventId()).isEqualTo("event-big");
        assertThat(q.getOriginalTruncated()).isTrue();
        assertThat(q.getOriginalValueSize()).isEqualTo(1_048_000L);
        assertThat(q.getOriginalValueSha256()).isEqualTo(QuarantineFit.sha256(ByteBuffer.wrap(value)));
        assertThat(q.getOriginalValue().remaining()).isLessThan(value.length).isPositive();
        assertThat(q.getReasons()).extracting(QuarantineReason::getCode)
                .containsExactly("BAD_MAGIC_BYTE", "QUARANTINE_COPY_TRUNCATED");
        assertThat(q.getReasons().get(1).getDetail()).contains("1048000 bytes").contains(q.getOriginalValueSha256());
        assertThat(q.getOriginalHeaders()).extracting(h -> h.getKey()).containsExactly("origin");
        assertThat(quarantineBytes.isEmpty()).isTrue();
    }

    @Test
    void aSmallValueWith600KilobytesOfHeadersIsQuarantinedWithoutCopyingTheHeadersTwice() {
        RecordHeaders headers = new RecordHeaders();
        byte[] chunk = new byte[60_000];
        new Random(1).nextBytes(chunk);
        for (int i = 0; i < 10; i++) {
            headers.add("h" + i, chunk);
        }
        raw.pipeInput(new TestRecord<>(bytes("event-headers"), bytes("not avro"), headers, NOW));

        TestRecord<byte[], byte[]> out = quarantineBytes.readRecord();
        assertThat(requestBytes(out)).isLessThanOrEqualTo(QuarantineFit.DEFAULT_MAX_REQUEST_SIZE);
        assertThat(out.headers().toArray()).as("originals live in the value, not on the quarantine record").isEmpty();
        QuarantineRecord q = decode(out);
        assertThat(q.getOriginalHeaders()).hasSize(10);
        assertThat(q.getOriginalHeadersSize()).isEqualTo(10L * (2 + 60_000));
        assertThat(q.getOriginalTruncated()).isFalse();
        assertThat(StandardCharsets.UTF_8.decode(q.getOriginalValue()).toString()).isEqualTo("not avro");
    }

    @Test
    void aValueWithHeadersOverTheLimitTogetherKeepsTheValueDigestAndCutsHeaders() {
        RecordHeaders headers = new RecordHeaders();
        byte[] chunk = new byte[100_000];
        for (int i = 0; i < 7; i++) {
            headers.add("h" + i, chunk);
        }
        byte[] value = new byte[400_000];
        raw.pipeInput(new TestRecord<>(bytes("event-both"), value, headers, NOW));

        TestRecord<byte[], byte[]> out = quarantineBytes.readRecord();
        assertThat(requestBytes(out)).isLessThanOrEqualTo(QuarantineFit.DEFAULT_MAX_REQUEST_SIZE);
        QuarantineRecord q = decode(out);
        assertThat(q.getOriginalTruncated()).isTrue();
        assertThat(q.getOriginalValueSize()).isEqualTo(400_000L);
        assertThat(q.getOriginalHeadersSize()).isEqualTo(7L * 100_002);
        assertThat(q.getReasons().get(q.getReasons().size() - 1).getDetail()).contains("original headers");
    }

    private QuarantineRecord decode(TestRecord<byte[], byte[]> out) {
        return serdes.valueSerde(Topics.DATA_QUARANTINE).deserializer().deserialize("loans.data.quarantine",
                out.value());
    }

    /** What the producer counts against max.request.size for this one record (uncompressed). */
    private static int requestBytes(TestRecord<byte[], byte[]> record) {
        int size = RECORD_OVERHEAD + (record.key() == null ? 0 : record.key().length) + record.value().length;
        for (Header h : record.headers()) {
            size += h.key().length() + (h.value() == null ? 0 : h.value().length) + 8;
        }
        return size;
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

}
