package io.mlcycle.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
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

/** The spec's {@code gates} section in the validation topology: duplicates, rules, sentinels, unseen categories. */
class GatesTopologyTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final Instant APPLIED = NOW.minusSeconds(3600);
    private static final int WINDOW = 10;

    @TempDir
    Path stateDir;

    private PipelineSpec spec;
    private PipelineSerdes serdes;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> raw;
    private TestOutputTopic<String, GenericRecord> validated;
    private TestOutputTopic<String, QuarantineRecord> quarantine;
    private TestOutputTopic<String, QualityReport> reports;
    private TestOutputTopic<String, io.mlcycle.avro.Alert> alerts;
    private final Random random = new Random(5);

    @BeforeEach
    void start() throws Exception {
        String yaml = TestPipeline.yaml(WINDOW) + """
                gates:
                  categories:
                    employment: {unseen: other}
                  sentinels:
                    age: {values: [99], action: missing, meaning: "not given"}
                  rules:
                    - name: income_for_age
                      expr: age >= 21 || income <= 5000
                      detail: applicants under 21 cannot declare more than 5000 a month
                  duplicates:
                    retention: PT1H
                  conflicting_labels:
                    window: PT1H
                """;
        yaml = yaml.replace("- name: age\n      type: int\n      required: true", "- name: age\n      type: int");
        spec = PipelineSpecParser.parse(yaml, "loans.yaml");
        serdes = new PipelineSerdes(new InMemorySchemaRegistryClient(), AvroSerdeConfig.defaults(), TestPipeline.NAME,
                spec.dataSchema());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "mlcycle-loans-validation");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ValidationTopology.buildTopology(spec, serdes), props, NOW);
        raw = driver.createInputTopic("loans.data.raw", new ByteArraySerializer(), new ByteArraySerializer());
        validated = driver.createOutputTopic("loans.data.validated", new StringDeserializer(),
                serdes.valueSerde(Topics.DATA_VALIDATED).deserializer());
        quarantine = driver.createOutputTopic("loans.data.quarantine", new StringDeserializer(),
                serdes.valueSerde(Topics.DATA_QUARANTINE).deserializer());
        reports = driver.createOutputTopic("loans.quality.reports", new StringDeserializer(),
                serdes.valueSerde(Topics.QUALITY_REPORTS).deserializer());
        alerts = driver.createOutputTopic("loans.monitoring.alerts", new StringDeserializer(),
                serdes.valueSerde(Topics.MONITORING_ALERTS).deserializer());
    }

    @AfterEach
    void stop() {
        driver.close();
    }

    @Test
    void theSameEventTwiceIsDroppedAndCountedAndADifferentPayloadIsAConflict() {
        GenericRecord first = record("a-1");
        pipe("event-1", first, NOW);
        pipe("event-1", first, NOW.plusSeconds(60));
        GenericRecord changed = record("a-1");
        changed.put("income", 99.0);
        pipe("event-1", changed, NOW.plusSeconds(120));

        assertThat(validated.readKeyValuesToList()).extracting(kv -> kv.key).containsExactly("event-1");
        List<QuarantineRecord> conflicts = quarantine.readValuesToList();
        assertThat(conflicts).hasSize(1);
        assertThat(conflicts.get(0).getReasons()).extracting(QuarantineReason::getCode, QuarantineReason::getValue)
                .containsExactly(tuple("DUPLICATE_CONFLICT", "event-1"));

        for (int i = 0; i < WINDOW - 2; i++) {
            pipe("other-" + i, record("b-" + i), NOW);
        }
        QualityReport report = reports.readValue();
        assertThat(report.getViolations()).containsEntry("DUPLICATE_DROPPED", 1L)
                .containsEntry("DUPLICATE_CONFLICT", 1L);
    }

    @Test
    void theWallClockPunctuatorRebuildsTheDuplicateFilterAndVerdictsHoldBeforeAndAfter() {
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(DuplicateDetector.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        GenericRecord third = record("a-3");
        GenericRecord fourth = record("a-4");
        try {
            // Before any punctuation the filter is warming: the store decides, and remembers these.
            pipe("event-3", third, NOW);
            pipe("event-4", fourth, NOW);
            pipe("event-3", third, NOW.plusSeconds(1));
            driver.advanceWallClockTime(ValidationProcessor.FILTER_REBUILD_EVERY.multipliedBy(2));
        } finally {
            logger.detachAppender(appender);
        }
        assertThat(appender.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .anySatisfy(line -> assertThat(line).contains("rebuilt from 2 stored event id(s)").contains("0_0"));
        // Built: the ids remembered while it warmed are in it, so the store still sees them again.
        pipe("event-3", third, NOW.plusSeconds(2));
        pipe("event-4", fourth, NOW.plusSeconds(2));
        pipe("event-5", record("a-5"), NOW.plusSeconds(2));
        GenericRecord changed = record("a-3");
        changed.put("income", 99.0);
        pipe("event-3", changed, NOW.plusSeconds(3));
        assertThat(validated.readKeyValuesToList()).extracting(kv -> kv.key)
                .containsExactly("event-3", "event-4", "event-5");
        assertThat(quarantine.readValuesToList()).extracting(q -> q.getReasons().get(0).getCode())
                .containsExactly("DUPLICATE_CONFLICT");
    }

    @Test
    void aQuarantinedEventSentAgainIsCheckedAgainNotDroppedAsADuplicate() {
        GenericRecord bad = record("a-2");
        bad.put("age", 12);
        pipe("event-2", bad, NOW);
        pipe("event-2", bad, NOW.plusSeconds(1));
        assertThat(quarantine.readValuesToList()).hasSize(2);
        assertThat(validated.isEmpty()).isTrue();
    }

    @Test
    void sentinelsUnseenCategoriesAndRulesFlowThroughWithTheirReasons() {
        GenericRecord sentinel = record("s");
        sentinel.put("age", 99);
        pipe("sentinel", sentinel, NOW);
        GenericRecord unseen = record("u");
        unseen.put("employment", "freelancer");
        pipe("unseen", unseen, NOW);
        GenericRecord rule = record("r");
        rule.put("age", 19);
        rule.put("income", 8000.0);
        pipe("rule", rule, NOW);

        List<TestRecord<String, GenericRecord>> passed = validated.readRecordsToList();
        assertThat(passed).extracting(TestRecord::key).containsExactly("sentinel", "unseen");
        assertThat(passed.get(0).value().get("age")).isNull();
        assertThat(passed.get(1).value().get("employment").toString()).isEqualTo("other");
        QuarantineRecord q = quarantine.readValue();
        assertThat(q.getReasons()).extracting(QuarantineReason::getCode, QuarantineReason::getField)
                .containsExactly(tuple("RULE_FAILED", "age,income"));
        assertThat(q.getReasons().get(0).getDetail()).contains("income_for_age").contains("age = 19")
                .contains("cannot declare more than 5000");
        assertThat(q.getSpecSha256()).isEqualTo(spec.sha256());

        for (int i = 0; i < WINDOW - 3; i++) {
            pipe("other-" + i, record("b-" + i), NOW);
        }
        assertThat(reports.readValue().getViolations()).containsEntry("noted:SENTINEL_VALUE", 1L)
                .containsEntry("noted:NOT_ALLOWED", 1L).containsEntry("RULE_FAILED", 1L);
    }

    @Test
    void theSameEntityAndFeaturesWithAnotherLabelWithinTheWindowIsFlagged() {
        GenericRecord first = labelled("entity-7");
        first.put("defaulted", false);
        pipe("event-a", first, NOW);
        GenericRecord sameLabel = labelled("entity-7");
        sameLabel.put("defaulted", false);
        pipe("event-b", sameLabel, NOW.plusSeconds(10));
        GenericRecord otherLabel = labelled("entity-7");
        otherLabel.put("defaulted", true);
        pipe("event-c", otherLabel, NOW.plusSeconds(20));
        GenericRecord otherEntity = labelled("entity-8");
        otherEntity.put("defaulted", true);
        pipe("event-d", otherEntity, NOW.plusSeconds(30));
        GenericRecord muchLaterOther = labelled("entity-9");
        muchLaterOther.put("defaulted", false);
        pipe("event-e", muchLaterOther, NOW.plusSeconds(7200));
        GenericRecord nine = labelled("entity-9");
        nine.put("defaulted", true);
        pipe("event-f", nine, NOW.plusSeconds(7200 + 3 * 3600));

        // Flagged, not dropped: every record is validated.
        assertThat(validated.readKeyValuesToList()).extracting(kv -> kv.key)
                .containsExactly("event-a", "event-b", "event-c", "event-d", "event-e", "event-f");
        List<io.mlcycle.avro.Alert> raised = alerts.readValuesToList();
        assertThat(raised).hasSize(1);
        assertThat(raised.get(0).getType()).isEqualTo(io.mlcycle.avro.AlertType.DATA_QUALITY);
        assertThat(raised.get(0).getSubject()).isEqualTo("defaulted");
        assertThat(raised.get(0).getEvidence()).containsEntry("event_id", "event-c").containsEntry("label", "true")
                .containsEntry("earlier_label", "false").containsEntry("statistic", "conflicting_label");
        assertThat(raised.get(0).getEvidence().get("earlier_event_id")).isEqualTo("event-a");

        for (int i = 0; i < WINDOW - 6; i++) {
            pipe("other-" + i, record("b-" + i), NOW.plusSeconds(7200 + 3 * 3600));
        }
        assertThat(reports.readValue().getViolations()).containsEntry("noted:CONFLICTING_LABEL", 1L);
    }

    /** A record whose features are fixed, so that only entity and label tell records apart. */
    private GenericRecord labelled(String entity) {
        GenericRecord r = record(entity);
        r.put("employment", "employed");
        return r;
    }

    private GenericRecord record(String id) {
        GenericRecord r = TestPipeline.record(spec.dataSchema(), id, APPLIED, random, 0);
        r.put("age", 30);
        r.put("income", 3000.0);
        return r;
    }

    private void pipe(String eventId, GenericRecord record, Instant timestamp) {
        byte[] value = serdes.valueSerde(Topics.DATA_RAW).serializer().serialize("loans.data.raw", record);
        raw.pipeInput(new TestRecord<>(eventId.getBytes(StandardCharsets.UTF_8), value, new RecordHeaders(),
                timestamp));
    }
}
