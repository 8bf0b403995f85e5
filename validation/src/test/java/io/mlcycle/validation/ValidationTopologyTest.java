package io.mlcycle.validation;

import io.mlcycle.mlcore.profile.AvroProfiles;
import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.Variant;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.DriftScore;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.QualityReport;
import io.mlcycle.avro.QuarantineReason;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureExtractor;
import io.mlcycle.mlcore.profile.DataProfiler;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.test.TestRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ValidationTopologyTest {

    private static final Instant NOW = Instant.parse("2026-01-01T12:00:00Z");
    private static final Instant APPLIED = NOW.minusSeconds(3600);

    @TempDir
    Path stateDir;

    private PipelineSpec spec;
    private PipelineSerdes serdes;
    private TopologyTestDriver driver;
    private TestInputTopic<byte[], byte[]> raw;
    private TestInputTopic<String, ModelVersion> models;
    private TestOutputTopic<String, GenericRecord> validated;
    private TestOutputTopic<String, QuarantineRecord> quarantine;
    private TestOutputTopic<String, QualityReport> reports;
    private TestOutputTopic<String, Alert> alerts;
    private TestOutputTopic<String, TrainingTrigger> triggers;
    private final AtomicInteger ids = new AtomicInteger();
    private final Random random = new Random(7);

    private void start(int windowRecords) {
        spec = TestPipeline.spec(windowRecords);
        serdes = new PipelineSerdes(new InMemorySchemaRegistryClient(), AvroSerdeConfig.defaults(), TestPipeline.NAME,
                spec.dataSchema());
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "mlcycle-loans-validation");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(
                ValidationTopology.buildTopology(spec, serdes,
                        io.mlcycle.mlcore.registry.ModelSigning.development(), () -> "id-" + ids.incrementAndGet()), props, NOW);
        raw = driver.createInputTopic(serdes.topicName(Topics.DATA_RAW), new ByteArraySerializer(),
                new ByteArraySerializer());
        models = driver.createInputTopic(serdes.topicName(Topics.MODELS), new StringSerializer(),
                serdes.valueSerde(Topics.MODELS).serializer());
        validated = output(Topics.DATA_VALIDATED.name(TestPipeline.NAME), serdes.valueSerde(Topics.DATA_VALIDATED));
        quarantine = output(serdes.topicName(Topics.DATA_QUARANTINE), serdes.valueSerde(Topics.DATA_QUARANTINE));
        reports = output(serdes.topicName(Topics.QUALITY_REPORTS), serdes.valueSerde(Topics.QUALITY_REPORTS));
        alerts = output(serdes.topicName(Topics.MONITORING_ALERTS), serdes.valueSerde(Topics.MONITORING_ALERTS));
        triggers = output(serdes.topicName(Topics.TRAINING_TRIGGERS), serdes.valueSerde(Topics.TRAINING_TRIGGERS));
    }

    private <V> TestOutputTopic<String, V> output(String topic, Serde<V> serde) {
        return driver.createOutputTopic(topic, new StringDeserializer(), serde.deserializer());
    }

    @AfterEach
    void close() {
        if (driver != null) {
            driver.close();
        }
    }

    // ---------------------------------------------------------------- record routing

    @Test
    void aValidRecordIsNormalisedAndPassedOnWithItsKey() {
        start(1000);
        GenericRecord record = TestPipeline.record(spec.dataSchema(), "a-1", APPLIED, random, 0);
        record.put("employment", "  Self_Employed ");
        pipe("event-1", record);

        List<TestRecord<String, GenericRecord>> out = validated.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isEqualTo("event-1");
        assertThat(out.get(0).value().get("employment").toString()).isEqualTo("self_employed");
        assertThat(out.get(0).value().get("age")).isEqualTo(record.get("age"));
        assertThat(quarantine.isEmpty()).isTrue();
    }

    static Stream<Arguments> gateFailures() {
        return Stream.of(
                Arguments.of("missing required age", (Consumer<GenericRecord>) r -> r.put("age", null),
                        "MISSING_REQUIRED", "age"),
                Arguments.of("age below minimum", (Consumer<GenericRecord>) r -> r.put("age", 7),
                        "OUT_OF_RANGE", "age"),
                Arguments.of("negative income", (Consumer<GenericRecord>) r -> r.put("income", -1.0),
                        "OUT_OF_RANGE", "income"),
                Arguments.of("income not finite", (Consumer<GenericRecord>) r -> r.put("income", Double.NaN),
                        "NOT_FINITE", "income"),
                Arguments.of("category not allowed", (Consumer<GenericRecord>) r -> r.put("employment", "pirate"),
                        "NOT_ALLOWED", "employment"),
                Arguments.of("pattern mismatch", (Consumer<GenericRecord>) r -> r.put("email", "not-an-address"),
                        "PATTERN_MISMATCH", "email"),
                Arguments.of("event time in the future", (Consumer<GenericRecord>) r -> r.put("applied_at",
                        NOW.plusSeconds(3600).toEpochMilli()), "EVENT_TIME_IN_FUTURE", "applied_at"),
                Arguments.of("missing required key field", (Consumer<GenericRecord>) r -> r.put("application_id", null),
                        "MISSING_REQUIRED", "application_id"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("gateFailures")
    void aGateFailureIsQuarantinedWithItsReasonAndTheOriginalBytes(String name, Consumer<GenericRecord> breakIt,
                                                                    String code, String field) {
        start(1000);
        GenericRecord record = TestPipeline.record(spec.dataSchema(), "a-1", APPLIED, random, 0);
        breakIt.accept(record);
        byte[] value = serialize(record);
        raw.pipeInput(new TestRecord<>(key("event-9"), value, new RecordHeaders().add("trace", bytes("t-1")), NOW));

        assertThat(validated.isEmpty()).isTrue();
        List<TestRecord<String, QuarantineRecord>> out = quarantine.readRecordsToList();
        assertThat(out).hasSize(1);
        QuarantineRecord q = out.get(0).value();
        assertThat(out.get(0).key()).isEqualTo("event-9");
        assertThat(q.getStage()).isEqualTo(QuarantineStage.VALIDATION);
        assertThat(q.getEventId()).isEqualTo("event-9");
        assertThat(q.getReasons()).extracting(QuarantineReason::getCode, QuarantineReason::getField)
                .contains(org.assertj.core.groups.Tuple.tuple(code, field));
        assertThat(q.getReasons()).allSatisfy(reason -> assertThat(reason.getDetail()).isNotBlank());
        assertThat(toBytes(q.getOriginalValue())).isEqualTo(value);
        assertThat(toBytes(q.getOriginalKey())).isEqualTo(key("event-9"));
        assertThat(q.getSourceTopic()).isEqualTo("loans.data.raw");
        assertThat(q.getSourceOffset()).isEqualTo(0L);
        assertThat(q.getOriginalHeaders()).hasSize(1);
        assertThat(q.getOriginalHeaders().get(0).getKey()).isEqualTo("trace");
        assertThat(q.getSpecSha256()).isEqualTo(spec.sha256());
    }

    @Test
    void everyViolationOfOneRecordIsReported() {
        start(1000);
        GenericRecord record = TestPipeline.record(spec.dataSchema(), "a-1", APPLIED, random, 0);
        record.put("age", 150);
        record.put("employment", "astronaut");
        record.put("email", "nope");
        pipe("event-2", record);

        QuarantineRecord q = quarantine.readValue();
        assertThat(q.getReasons()).extracting(QuarantineReason::getCode)
                .containsExactlyInAnyOrder("OUT_OF_RANGE", "NOT_ALLOWED", "PATTERN_MISMATCH");
    }

    static Stream<Arguments> undecodable() {
        return Stream.of(
                Arguments.of("bad magic byte", bytes("{\"age\": 41}"), "BAD_MAGIC_BYTE"),
                Arguments.of("unknown schema id", new byte[] {0, 0, 0, 0x7f, 0x7f, 2, 4, 6}, "UNKNOWN_SCHEMA_ID"),
                Arguments.of("header cut short", new byte[] {0, 0, 0}, "TRUNCATED_RECORD"),
                Arguments.of("empty value", new byte[0], "TRUNCATED_RECORD"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("undecodable")
    void undecodableBytesAreQuarantinedAsTheyAreWithTheirSourceOffset(String name, byte[] value, String code) {
        start(1000);
        pipe("event-0", TestPipeline.record(spec.dataSchema(), "a-0", APPLIED, random, 0));
        raw.pipeInput(new TestRecord<>(key("event-1"), value, new RecordHeaders().add("origin", bytes("x")), NOW));

        assertThat(validated.readRecordsToList()).hasSize(1);
        List<TestRecord<String, QuarantineRecord>> out = quarantine.readRecordsToList();
        assertThat(out).hasSize(1);
        QuarantineRecord q = out.get(0).value();
        assertThat(q.getStage()).isEqualTo(QuarantineStage.DESERIALIZATION);
        assertThat(q.getReasons()).extracting(QuarantineReason::getCode).containsExactly(code);
        assertThat(q.getEventId()).isEqualTo("event-1");
        assertThat(toBytes(q.getOriginalValue())).isEqualTo(value);
        assertThat(toBytes(q.getOriginalKey())).isEqualTo(key("event-1"));
        assertThat(q.getSourceTopic()).isEqualTo("loans.data.raw");
        assertThat(q.getSourcePartition()).isEqualTo(0);
        assertThat(q.getSourceOffset()).isEqualTo(1L);
        assertThat(q.getOriginalHeaders()).extracting(h -> h.getKey()).containsExactly("origin");
    }

    @Test
    void aTruncatedAvroBodyIsQuarantinedAsTruncated() {
        start(1000);
        byte[] good = serialize(TestPipeline.record(spec.dataSchema(), "a-1", APPLIED, random, 0));
        byte[] cut = Arrays.copyOf(good, good.length - 10);
        raw.pipeInput(key("event-1"), cut);

        QuarantineRecord q = quarantine.readValue();
        assertThat(q.getReasons()).extracting(QuarantineReason::getCode).containsExactly("TRUNCATED_RECORD");
        assertThat(toBytes(q.getOriginalValue())).isEqualTo(cut);
    }

    @Test
    void aRecordWithoutKeyIsQuarantinedAsMissingTheKey() {
        start(1000);
        byte[] value = serialize(TestPipeline.record(spec.dataSchema(), "a-1", APPLIED, random, 0));
        raw.pipeInput((byte[]) null, value);

        List<TestRecord<String, QuarantineRecord>> out = quarantine.readRecordsToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key()).isNull();
        QuarantineRecord q = out.get(0).value();
        assertThat(q.getEventId()).isNull();
        assertThat(q.getReasons()).extracting(QuarantineReason::getCode, QuarantineReason::getField)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("MISSING_REQUIRED", "key"));
        assertThat(toBytes(q.getOriginalValue())).isEqualTo(value);
        assertThat(validated.isEmpty()).isTrue();
    }

    @Test
    void everyRawRecordEndsInExactlyOneOutput() {
        start(1000);
        int produced = 0;
        for (int i = 0; i < 60; i++) {
            GenericRecord record = TestPipeline.record(spec.dataSchema(), "a-" + i, APPLIED, random, 0);
            if (i % 3 == 0) {
                record.put("age", 5);
            }
            if (i % 10 == 0) {
                raw.pipeInput(key("event-" + i), bytes("garbage " + i));
            } else {
                pipe("event-" + i, record);
            }
            produced++;
        }
        List<String> keys = new ArrayList<>();
        validated.readRecordsToList().forEach(r -> keys.add(r.key()));
        quarantine.readRecordsToList().forEach(r -> keys.add(r.key()));
        assertThat(keys).hasSize(produced).doesNotHaveDuplicates();
    }

    // ---------------------------------------------------------------- quality reports

    @Test
    void aQualityReportIsEmittedWhenTheWindowIsFullWithItsCounts() {
        start(20);
        for (int i = 0; i < 19; i++) {
            GenericRecord record = TestPipeline.record(spec.dataSchema(), "a-" + i, APPLIED, random, 0);
            if (i < 4) {
                record.put("age", 7);
            }
            pipe("event-" + i, record);
        }
        assertThat(reports.isEmpty()).isTrue();
        raw.pipeInput(key("event-19"), new byte[] {9, 9, 9});

        List<TestRecord<String, QualityReport>> out = reports.readRecordsToList();
        assertThat(out).hasSize(1);
        QualityReport report = out.get(0).value();
        assertThat(out.get(0).key()).isEqualTo(report.getWindowId());
        assertThat(report.getPipeline()).isEqualTo("loans");
        assertThat(report.getRecordCount()).isEqualTo(20);
        assertThat(report.getPassed()).isEqualTo(15);
        assertThat(report.getQuarantined()).isEqualTo(5);
        assertThat(report.getViolations()).containsEntry("OUT_OF_RANGE", 4L).containsEntry("BAD_MAGIC_BYTE", 1L);
        assertThat(report.getProfile().getRecordCount()).isEqualTo(15);
        assertThat(report.getProfile().getFeatures()).extracting(f -> f.getName())
                .containsExactly("age", "income", "employment");
        assertThat(report.getProfile().getFeatures().get(0).getCount()).isEqualTo(15);
        assertThat(report.getReferenceModelVersion()).isNull();
        assertThat(report.getDrift()).isEmpty();

        for (int i = 0; i < 20; i++) {
            pipe("next-" + i, TestPipeline.record(spec.dataSchema(), "b-" + i, APPLIED, random, 0));
        }
        QualityReport second = reports.readValue();
        assertThat(second.getWindowId()).isNotEqualTo(report.getWindowId());
        assertThat(second.getRecordCount()).isEqualTo(20);
        assertThat(second.getPassed()).isEqualTo(20);
        assertThat(second.getViolations()).isEmpty();
    }

    // ---------------------------------------------------------------- drift

    @Test
    void aStationaryWindowRaisesNoDriftAlert() {
        start(500);
        publishChampion("loans-v1", 1, new Random(1));
        pipeWindow(500, 0, "s");
        pipeWindow(500, 0, "t");

        List<QualityReport> out = reports.readValuesToList();
        assertThat(out).hasSize(2);
        for (QualityReport report : out) {
            assertThat(report.getReferenceModelVersion()).isEqualTo("loans-v1");
            assertThat(report.getDrift()).extracting(s -> s.getFeature() + " " + s.getStatistic())
                    .containsExactly("age psi", "age ks", "income psi", "income ks", "employment psi",
                            "employment js");
            assertThat(report.getDrift()).allSatisfy(score -> {
                assertThat(score.getDrifted()).isFalse();
                assertThat(score.getVerdict()).isNotEqualTo("drift");
                assertThat(score.getValue()).isLessThan(score.getThreshold());
            });
        }
        assertThat(alerts.isEmpty()).isTrue();
        assertThat(triggers.isEmpty()).isTrue();
    }

    @Test
    void aShiftedWindowRaisesOneDriftAlertAndTriggerPerChampionVersion() {
        start(500);
        publishChampion("loans-v1", 1, new Random(1));
        pipeWindow(500, 15, "s");

        QualityReport report = reports.readValue();
        DriftScore age = report.getDrift().stream().filter(s -> s.getFeature().equals("age")).findFirst().orElseThrow();
        assertThat(age.getDrifted()).isTrue();
        assertThat(age.getValue()).isGreaterThan(0.2);

        List<Alert> raised = alerts.readValuesToList();
        assertThat(raised).hasSize(1);
        Alert alert = raised.get(0);
        assertThat(alert.getType()).isEqualTo(AlertType.DRIFT);
        assertThat(alert.getSubject()).isEqualTo("age");
        assertThat(alert.getSourceService()).isEqualTo("validation");
        assertThat(alert.getEvidence()).containsEntry("feature", "age").containsEntry("statistic", "psi")
                .containsEntry("threshold", "0.2000").containsEntry("window", report.getWindowId())
                .containsEntry("champion_version", "loans-v1").containsKey("value");
        assertThat(Double.parseDouble(alert.getEvidence().get("value"))).isGreaterThan(0.2);

        List<TestRecord<String, TrainingTrigger>> requested = triggers.readRecordsToList();
        assertThat(requested).hasSize(1);
        TrainingTrigger trigger = requested.get(0).value();
        assertThat(requested.get(0).key()).isEqualTo("loans");
        assertThat(trigger.getReason()).isEqualTo(TriggerReason.DRIFT);
        assertThat(trigger.getRequestedBy()).isEqualTo("validation");
        assertThat(trigger.getPipeline()).isEqualTo("loans");
        assertThat(trigger.getEvidence()).containsAllEntriesOf(Map.of("feature", "age", "statistic", "psi",
                "window", report.getWindowId(), "champion_version", "loans-v1"));

        // Still drifted, same champion: reported, but debounced.
        pipeWindow(500, 15, "t");
        assertThat(reports.readValue().getDrift()).anyMatch(DriftScore::getDrifted);
        assertThat(alerts.isEmpty()).isTrue();
        assertThat(triggers.isEmpty()).isTrue();

        // A new champion may be triggered again, once.
        publishChampion("loans-v2", 2, new Random(3));
        pipeWindow(500, 15, "u");
        pipeWindow(500, 15, "v");
        List<TrainingTrigger> again = triggers.readValuesToList();
        assertThat(again).hasSize(1);
        assertThat(again.get(0).getEvidence()).containsEntry("champion_version", "loans-v2");
        assertThat(alerts.readValuesToList()).hasSize(1);
    }

    @Test
    void theChampionIsTheHighestChampionVersionAndOtherStagesAreIgnored() {
        start(500);
        publishChampion("loans-v1", 1, new Random(1));
        models.pipeInput("loans-v3", modelVersion("loans-v3", 3, Stage.SHADOW, new Random(5)));
        publishChampion("loans-v2", 2, new Random(2));
        pipeWindow(500, 0, "s");
        assertThat(reports.readValue().getReferenceModelVersion()).isEqualTo("loans-v2");
    }

    @Test
    void reportsCarryKllQuantilesAndFrequentItems() {
        start(400);
        pipeWindow(400, 0, "q");
        QualityReport report = reports.readValue();
        io.mlcycle.avro.FeatureProfile age = report.getProfile().getFeatures().get(0);
        assertThat(age.getBinEdges()).as("KLL deciles").isNotEmpty().isSorted();
        assertThat(age.getMin()).isLessThanOrEqualTo(age.getBinEdges().get(0));
        assertThat(age.getBinFractions().stream().mapToDouble(Double::doubleValue).sum()).isCloseTo(1.0,
                org.assertj.core.api.Assertions.within(1e-9));
        io.mlcycle.avro.FeatureProfile employment = report.getProfile().getFeatures().get(2);
        assertThat(employment.getCategoryFrequencies()).containsKeys("employed", "self_employed", "unemployed");
        assertThat(employment.getCategoryFrequencies().get("employed")).isBetween(0.5, 0.7);
    }

    @Test
    void servingSkewRaisesOneSkewAlertAndDriftTriggerWithEvidence() {
        start(500);
        publishChampion("loans-v1", 1, new Random(1));
        TestInputTopic<String, Prediction> predictions = driver.createInputTopic(
                serdes.topicName(Topics.PREDICTIONS), new StringSerializer(),
                serdes.valueSerde(Topics.PREDICTIONS).serializer());
        // What serving scored looks like the training data: no skew.
        pipePredictions(predictions, 500, 0, "p");
        assertThat(alerts.isEmpty()).isTrue();
        // Serving scores ages 15 years older than training saw (e.g. a unit bug in the serving path).
        pipePredictions(predictions, 500, 15, "q");
        List<Alert> raised = alerts.readValuesToList();
        assertThat(raised).hasSize(1);
        assertThat(raised.get(0).getType()).isEqualTo(AlertType.SKEW);
        assertThat(raised.get(0).getSubject()).isEqualTo("age");
        assertThat(raised.get(0).getEvidence()).containsEntry("comparison", "training_serving_skew")
                .containsEntry("feature", "age").containsEntry("champion_version", "loans-v1")
                .containsKeys("statistic", "value", "threshold", "windows");
        List<TrainingTrigger> requested = triggers.readValuesToList();
        assertThat(requested).hasSize(1);
        assertThat(requested.get(0).getReason()).isEqualTo(TriggerReason.DRIFT);
        assertThat(requested.get(0).getEvidence()).containsEntry("comparison", "training_serving_skew");
        // Debounced per champion; shadow predictions are not what the champion scored and are ignored.
        pipePredictions(predictions, 500, 15, "r");
        assertThat(alerts.isEmpty()).isTrue();
        assertThat(reports.isEmpty()).as("serving windows are not data quality reports").isTrue();
    }

    private void pipePredictions(TestInputTopic<String, Prediction> topic, int n, int ageShift, String prefix) {
        FeatureExtractor extractor = new FeatureExtractor(spec);
        for (int i = 0; i < n; i++) {
            Map<String, Object> features = new java.util.HashMap<>(extractor.features(
                    TestPipeline.record(spec.dataSchema(), prefix + i, APPLIED, random, ageShift)));
            topic.pipeInput(prefix + i, Prediction.newBuilder()
                    .setPredictionId("pred-" + prefix + i).setEventId(prefix + i).setPipeline("loans")
                    .setModelVersion("loans-v1").setVariant(Variant.CHAMPION).setServed(true).setScore(0.3)
                    .setDecision(false).setThreshold(0.5).setLatencyMicros(10).setFeatures(features)
                    .setEventTime(APPLIED).setPredictedAt(NOW).build(), NOW);
        }
    }

    // ---------------------------------------------------------------- helpers

    private void pipeWindow(int records, int ageShift, String prefix) {
        for (int i = 0; i < records; i++) {
            pipe(prefix + "-" + i, TestPipeline.record(spec.dataSchema(), prefix + i, APPLIED, random, ageShift));
        }
    }

    private void publishChampion(String version, int number, Random seed) {
        models.pipeInput(version, modelVersion(version, number, Stage.CHAMPION, seed));
    }

    private ModelVersion modelVersion(String version, int number, Stage stage, Random seed) {
        FeatureExtractor extractor = new FeatureExtractor(spec);
        List<Map<String, Object>> rows = new ArrayList<>();
        for (int i = 0; i < 5000; i++) {
            rows.add(extractor.features(TestPipeline.record(spec.dataSchema(), "r" + i, APPLIED, seed, 0)));
        }
        DataProfile reference = AvroProfiles.toAvro(new DataProfiler(FeatureDefinition.fromSpec(spec)).profile(rows));
        return TestPipeline.modelVersion(version, number, stage, reference, NOW, spec.sha256());
    }

    private void pipe(String eventId, GenericRecord record) {
        raw.pipeInput(new TestRecord<>(key(eventId), serialize(record), new RecordHeaders(), NOW));
    }

    private byte[] serialize(GenericRecord record) {
        return serdes.valueSerde(Topics.DATA_RAW).serializer().serialize(serdes.topicName(Topics.DATA_RAW), record);
    }

    private static byte[] key(String eventId) {
        return bytes(eventId);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] toBytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
