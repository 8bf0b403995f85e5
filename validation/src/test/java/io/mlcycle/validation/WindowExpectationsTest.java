package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.Random;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Window expectations ({@code gates.window}): a window that misses one raises a DATA_QUALITY alert. */
class WindowExpectationsTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final int WINDOW = 20;

    @TempDir
    Path stateDir;

    private PipelineSpec spec;
    private PipelineSerdes serdes;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<String, Alert> alerts;
    private final Random random = new Random(9);
    private int ids;

    @BeforeEach
    void start() throws Exception {
        spec = PipelineSpecParser.parse(TestPipeline.yaml(WINDOW) + """
                gates:
                  window:
                    max_missing_rate: 0.25
                    max_quarantine_rate: 0.2
                    min_records_per_hour: 100
                """, "loans.yaml");
        serdes = new PipelineSerdes(new InMemorySchemaRegistryClient(), AvroSerdeConfig.defaults(), TestPipeline.NAME,
                spec.dataSchema());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "mlcycle-loans-validation");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ValidationTopology.buildTopology(spec, serdes), props, NOW);
        raw = driver.createInputTopic("loans.data.raw", new ByteArraySerializer(), new ByteArraySerializer());
        alerts = driver.createOutputTopic("loans.monitoring.alerts", new StringDeserializer(),
                serdes.valueSerde(Topics.MONITORING_ALERTS).deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void aHealthyWindowRaisesNothing() {
        for (int i = 0; i < WINDOW; i++) {
            pipe(record(), NOW.plusSeconds(i));
        }
        assertThat(alerts.isEmpty()).isTrue();
    }

    @Test
    void tooManyQuarantinedTooManyMissingAndTooLittleVolumeRaiseOneAlertEach() {
        for (int i = 0; i < WINDOW; i++) {
            GenericRecord r = record();
            if (i < 6) {
                r.put("age", 5);
            } else if (i < 12) {
                r.put("income", null);
            }
            // 20 records over 19 hours: about one an hour, far below 100
            pipe(r, NOW.plusSeconds(3600L * i));
        }
        List<Alert> raised = alerts.readValuesToList();
        assertThat(raised).allSatisfy(a -> assertThat(a.getType()).isEqualTo(AlertType.DATA_QUALITY));
        assertThat(raised).extracting(a -> a.getEvidence().get("statistic"))
                .containsExactlyInAnyOrder("quarantine_rate", "missing_rate", "records_per_hour");
        Alert missing = raised.stream().filter(a -> a.getEvidence().get("statistic").equals("missing_rate"))
                .findFirst().orElseThrow();
        assertThat(missing.getSubject()).isEqualTo("income");
        assertThat(missing.getMessage()).contains("income is missing in 0.4286");
    }

    private GenericRecord record() {
        return TestPipeline.record(spec.dataSchema(), "a-" + ids, NOW.minusSeconds(60), random, 0);
    }

    private void pipe(GenericRecord record, Instant timestamp) {
        byte[] value = serdes.valueSerde(Topics.DATA_RAW).serializer().serialize("loans.data.raw", record);
        raw.pipeInput(new TestRecord<>(("e-" + ids++).getBytes(StandardCharsets.UTF_8), value, new RecordHeaders(),
                timestamp));
    }
}
