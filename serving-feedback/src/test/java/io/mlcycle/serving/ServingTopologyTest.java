package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.Feedback;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.QuarantineRecord;
import io.mlcycle.avro.QuarantineStage;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServingTopologyTest {
    private static final PipelineSpec SPEC = TestFixtures.spec();
    private static final Duration WINDOW = Duration.ofMinutes(10);

    @TempDir
    Path stateDir;

    private final AtomicReference<LoadedModel> champion = new AtomicReference<>();
    private ServingMetrics metrics;
    private TopologyTestDriver driver;
    private TestInputTopic<String, GenericRecord> validated;
    private TestInputTopic<String, Feedback> feedback;
    private TestInputTopic<String, byte[]> rawFeedback;
    private TestInputTopic<String, Prediction> predictionsIn;
    private TestInputTopic<String, byte[]> rawValidated;
    private TestInputTopic<String, byte[]> rawPredictions;
    private TestOutputTopic<String, Feedback> feedbackOut;
    private InMemorySchemaRegistryClient registry;
    private TestOutputTopic<String, Prediction> predictions;
    private TestOutputTopic<String, LabeledExample> examples;
    private TestOutputTopic<String, QuarantineRecord> quarantine;
    private TestOutputTopic<String, Alert> alerts;

    @BeforeEach
    void setUp() {
        registry = new InMemorySchemaRegistryClient();
        PipelineSerdes serdes = new PipelineSerdes(registry, AvroSerdeConfig.defaults(),
                SPEC.pipeline(), SPEC.dataSchema());
        metrics = ServingMetrics.inMemory(SPEC.pipeline());
        ServingFeedbackConfig config = TestFixtures.config(SPEC, Map.of(
                ServingFeedbackConfig.PUNCTUATE_INTERVAL, "PT5S",
                ServingFeedbackConfig.UNMATCHED_ALERT_INTERVAL, "PT1M"));
        assertThat(config.joinWindow()).isEqualTo(WINDOW);

        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "serving-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        driver = new TopologyTestDriver(ServingTopology.buildTopology(config, serdes,
                () -> Optional.ofNullable(champion.get()), metrics), props, TestFixtures.T0);

        String p = SPEC.pipeline();
        StringSerializer keys = new StringSerializer();
        StringDeserializer keysOut = new StringDeserializer();
        validated = driver.createInputTopic(Topics.DATA_VALIDATED.name(p), keys,
                serdes.valueSerde(Topics.DATA_VALIDATED).serializer());
        feedback = driver.createInputTopic(Topics.FEEDBACK.name(p), keys, serdes.valueSerde(Topics.FEEDBACK).serializer());
        rawFeedback = driver.createInputTopic(Topics.FEEDBACK.name(p), keys, new ByteArraySerializer());
        predictionsIn = driver.createInputTopic(Topics.PREDICTIONS.name(p), keys,
                serdes.valueSerde(Topics.PREDICTIONS).serializer());
        rawValidated = driver.createInputTopic(Topics.DATA_VALIDATED.name(p), keys, new ByteArraySerializer());
        rawPredictions = driver.createInputTopic(Topics.PREDICTIONS.name(p), keys, new ByteArraySerializer());
        feedbackOut = driver.createOutputTopic(Topics.FEEDBACK.name(p), keysOut,
                serdes.valueSerde(Topics.FEEDBACK).deserializer());
        predictions = driver.createOutputTopic(Topics.PREDICTIONS.name(p), keysOut,
                serdes.valueSerde(Topics.PREDICTIONS).deserializer());
        examples = driver.createOutputTopic(Topics.EXAMPLES_LABELED.name(p), keysOut,
                serdes.valueSerde(Topics.EXAMPLES_LABELED).deserializer());
        quarantine = driver.createOutputTopic(Topics.DATA_QUARANTINE.name(p), keysOut,
                serdes.valueSerde(Topics.DATA_QUARANTINE).deserializer());
        alerts = driver.createOutputTopic(Topics.MONITORING_ALERTS.name(p), keysOut,
                serdes.valueSerde(Topics.MONITORING_ALERTS).deserializer());
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    private static LoadedModel model(String version, double intercept) {
        byte[] artifact = TestFixtures.artifact(SPEC, intercept, 1.0);
        return new LoadedModel(version, 1, ModelArtifacts.sha256(artifact), "mlcycle.logistic.v1",
                ModelArtifacts.load(artifact), SPEC.objective().decisionThreshold(), TestFixtures.T0, Map.of());
    }

    /** Event time of the records piped next (their record timestamp): the join's clock. */
    private Instant streamTime = TestFixtures.T0;

    private void pipeEvent(String eventId, int age) {
        validated.pipeInput(eventId, TestFixtures.event(SPEC, "app-" + eventId, age, 5000.0, "employed",
                TestFixtures.T0.minusSeconds(60)), streamTime);
    }

    private void pipeFeedback(String eventId, String label) {
        feedback.pipeInput(eventId, Feedback.newBuilder().setEventId(eventId).setLabel(label)
                .setObservedAt(TestFixtures.T0.plusSeconds(30)).setSource("test").build(), streamTime);
    }

    /** Moves stream time on by piping a record that creates no join state (a tombstone, quarantined). */
    private void advanceStreamTime(Duration by) {
        streamTime = streamTime.plus(by);
        rawValidated.pipeInput("tick", null, streamTime);
    }

    @Test
    void scoresValidatedEventsWithTheChampion() {
        champion.set(model("credit-v1", 0.5));

        pipeEvent("e1", 60);

        List<Prediction> logged = predictions.readValuesToList();
        assertThat(logged).hasSize(1);
        Prediction prediction = logged.get(0);
        double expected = TestFixtures.expectedScore(0.5, 1.0, 60);
        assertThat(prediction.getEventId()).isEqualTo("e1");
        assertThat(prediction.getEntityKey()).isEqualTo("app-e1");
        assertThat(prediction.getModelVersion()).isEqualTo("credit-v1");
        assertThat(prediction.getVariant()).isEqualTo(Variant.CHAMPION);
        assertThat(prediction.getServed()).isTrue();
        assertThat(prediction.getScore()).isCloseTo(expected, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(prediction.getDecision()).isEqualTo(expected >= 0.5);
        assertThat(prediction.getThreshold()).isEqualTo(0.5);
        assertThat(prediction.getSource()).isEqualTo("stream");
        assertThat(prediction.getFeatures()).containsEntry("age", 60).containsEntry("income", 5000.0)
                .containsEntry("employment", "employed");
        assertThat(prediction.getEventTime()).isEqualTo(TestFixtures.T0.minusSeconds(60));
        assertThat(prediction.getPredictedAt()).isEqualTo(TestFixtures.T0);
        assertThat(prediction.getPredictionId()).isNotBlank();
        assertThat(metrics.count(ServingMetrics.PREDICTIONS, "variant", "CHAMPION", "source", "stream")).isEqualTo(1);
    }

    @Test
    void withoutChampionNoPredictionIsMadeButTheEventIsCountedAndStillJoinable() {
        pipeEvent("e1", 30);

        assertThat(predictions.isEmpty()).isTrue();
        assertThat(metrics.count(ServingMetrics.PREDICTIONS_SKIPPED, "reason", "no_model")).isEqualTo(1);

        pipeFeedback("e1", "true");
        LabeledExample example = examples.readValue();
        assertThat(example.getPredictions()).isEmpty();
        assertThat(example.getFeatures()).containsEntry("age", 30);
    }

    @Test
    void joinsFeedbackArrivingAfterItsEvent() {
        champion.set(model("credit-v1", 0.0));
        pipeEvent("e1", 50);
        Prediction prediction = predictions.readValue();

        pipeFeedback("e1", "TRUE");

        List<LabeledExample> labeled = examples.readValuesToList();
        assertThat(labeled).hasSize(1);
        LabeledExample example = labeled.get(0);
        assertThat(example.getEventId()).isEqualTo("e1");
        assertThat(example.getPipeline()).isEqualTo("credit");
        assertThat(example.getEntityKey()).isEqualTo("app-e1");
        assertThat(example.getLabel()).isEqualTo("TRUE");
        assertThat(example.getPositive()).isTrue();
        assertThat(example.getFeatures()).containsEntry("age", 50).containsEntry("employment", "employed");
        assertThat(example.getEventTime()).isEqualTo(TestFixtures.T0.minusSeconds(60));
        assertThat(example.getObservedAt()).isEqualTo(TestFixtures.T0.plusSeconds(30));
        assertThat(example.getPredictions()).hasSize(1);
        assertThat(example.getPredictions().get(0).getPredictionId()).isEqualTo(prediction.getPredictionId());
        assertThat(example.getPredictions().get(0).getModelVersion()).isEqualTo("credit-v1");
        assertThat(example.getPredictions().get(0).getScore()).isEqualTo(prediction.getScore());
        assertThat(metrics.count(ServingMetrics.FEEDBACK_JOINED)).isEqualTo(1);
    }

    @Test
    void buffersFeedbackArrivingBeforeItsEventAndEmitsWhenTheEventArrives() {
        champion.set(model("credit-v1", 0.0));
        pipeFeedback("e2", "no");
        assertThat(examples.isEmpty()).isTrue();

        advanceStreamTime(Duration.ofMinutes(5));
        pipeEvent("e2", 45);

        LabeledExample example = examples.readValue();
        assertThat(example.getEventId()).isEqualTo("e2");
        assertThat(example.getLabel()).isEqualTo("no");
        assertThat(example.getPositive()).isFalse();
        assertThat(example.getPredictions()).extracting(p -> p.getModelVersion()).containsExactly("credit-v1");
        assertThat(examples.isEmpty()).isTrue();
    }

    @Test
    void feedbackThatNeverMeetsItsEventWithinTheWindowIsCountedAndAlerted() {
        pipeFeedback("ghost", "true");
        advanceStreamTime(WINDOW.minusSeconds(10));
        assertThat(metrics.count(ServingMetrics.FEEDBACK_UNMATCHED)).isZero();

        advanceStreamTime(Duration.ofSeconds(20));

        assertThat(metrics.count(ServingMetrics.FEEDBACK_UNMATCHED)).isEqualTo(1);
        List<Alert> raised = alerts.readValuesToList();
        assertThat(raised).hasSize(1);
        assertThat(raised.get(0).getType()).isEqualTo(AlertType.FEEDBACK_UNMATCHED);
        assertThat(raised.get(0).getEvidence()).containsEntry("unmatched", "1")
                .containsEntry("sample_event_ids", "ghost");
        // The state is gone: the event arriving now finds no feedback to join.
        pipeEvent("ghost", 40);
        assertThat(examples.isEmpty()).isTrue();
    }

    @Test
    void feedbackArrivingAfterTheEventExpiredIsCountedAsUnmatched() {
        pipeEvent("e3", 40);
        advanceStreamTime(WINDOW.plusSeconds(10));
        pipeFeedback("e3", "true");
        assertThat(examples.isEmpty()).isTrue();

        advanceStreamTime(WINDOW.plusSeconds(10));

        assertThat(metrics.count(ServingMetrics.FEEDBACK_UNMATCHED)).isEqualTo(1);
        assertThat(examples.isEmpty()).isTrue();
    }

    @Test
    void unmatchedAlertsAreDebounced() {
        pipeFeedback("x", "true");
        advanceStreamTime(Duration.ofSeconds(30));
        pipeFeedback("y", "true");
        advanceStreamTime(Duration.ofSeconds(10));
        pipeFeedback("z", "true");

        advanceStreamTime(WINDOW.minusSeconds(35));
        assertThat(alerts.readValuesToList()).extracting(a -> a.getEvidence().get("unmatched")).containsExactly("1");

        advanceStreamTime(Duration.ofSeconds(40));
        assertThat(metrics.count(ServingMetrics.FEEDBACK_UNMATCHED)).isEqualTo(3);
        assertThat(alerts.isEmpty()).as("second alert held back within the debounce interval").isTrue();

        advanceStreamTime(Duration.ofSeconds(30));
        List<Alert> later = alerts.readValuesToList();
        assertThat(later).extracting(a -> a.getEvidence().get("unmatched")).containsExactly("2");
        assertThat(later.get(0).getEvidence().get("sample_event_ids")).isEqualTo("y,z");
    }

    @Test
    void theWindowIsMeasuredInEventTimeSoABacklogReadAfterDowntimeStillJoins() {
        // Before the fix a wall-clock punctuator expired the event during the downtime: the on-time outcome waiting
        // in the backlog was dropped as unmatched, and a replay gave other results than the live run.
        champion.set(model("credit-v1", 0.0));
        pipeEvent("late-read", 40);

        driver.advanceWallClockTime(WINDOW.multipliedBy(3));
        streamTime = streamTime.plus(WINDOW.minusMinutes(1));
        pipeFeedback("late-read", "true");

        assertThat(examples.readValuesToList()).extracting(LabeledExample::getEventId).containsExactly("late-read");
        assertThat(metrics.count(ServingMetrics.FEEDBACK_UNMATCHED)).isZero();
    }

    @Test
    void anOutcomeLaterThanTheWindowInEventTimeIsCountedLateWhateverTheWallClock() {
        pipeEvent("too-late", 40);
        streamTime = streamTime.plus(WINDOW.plusMinutes(1));
        pipeFeedback("too-late", "true");

        assertThat(examples.isEmpty()).isTrue();
        assertThat(metrics.count(ServingMetrics.FEEDBACK_LATE)).isEqualTo(1);
    }

    @Test
    void oversizedFeedbackIsQuarantinedCutToSizeAndTheStreamGoesOn() {
        String huge = "e".repeat(900 * 1024);
        pipeEvent(huge, 40);
        pipeFeedback(huge, "true");
        byte[] bigValue = new byte[ServingFeedbackConfig.DEFAULT_MAX_RECORD_BYTES + 1];
        rawFeedback.pipeInput("big-value", bigValue, streamTime);

        assertThat(examples.isEmpty()).isTrue();
        List<QuarantineRecord> quarantined = quarantine.readValuesToList();
        assertThat(quarantined).hasSize(3).allSatisfy(r -> {
            assertThat(r.getReasons().get(0).getCode()).isEqualTo("OUT_OF_RANGE");
            assertThat(io.mlcycle.mlcore.quarantine.QuarantineFit.encodedSize(r)).isLessThanOrEqualTo(
                    io.mlcycle.mlcore.quarantine.QuarantineFit.valueBudget(
                            io.mlcycle.mlcore.quarantine.QuarantineFit.DEFAULT_MAX_REQUEST_SIZE, 1024));
            assertThat(r.getEventId().length()).isLessThanOrEqualTo(256);
        });
        assertThat(quarantined.get(1).getSourceTopic()).isEqualTo("credit.feedback");
        assertThat(quarantined.get(1).getReasons().get(0).getDetail()).contains("921600 characters")
                .contains("SHA-256");
        assertThat(quarantined.get(2).getReasons().get(0).getDetail()).contains("at most 262144");

        pipeEvent("after", 40);
        pipeFeedback("after", "true");
        assertThat(examples.readValue().getEventId()).isEqualTo("after");
    }

    @Test
    void feedbackWithALabelOutsideTheDomainIsQuarantined() {
        pipeEvent("e4", 40);

        pipeFeedback("e4", "maybe");

        assertThat(examples.isEmpty()).isTrue();
        QuarantineRecord record = quarantine.readValue();
        assertThat(record.getStage()).isEqualTo(QuarantineStage.VALIDATION);
        assertThat(record.getEventId()).isEqualTo("e4");
        assertThat(record.getReasons()).hasSize(1);
        assertThat(record.getReasons().get(0).getCode()).isEqualTo("INVALID_LABEL");
        assertThat(record.getReasons().get(0).getField()).isEqualTo("defaulted");
        assertThat(record.getSourceTopic()).isEqualTo("credit.feedback");
        assertThat(record.getOriginalValue()).isNotNull();
        assertThat(metrics.count(ServingMetrics.FEEDBACK_INVALID_LABEL)).isEqualTo(1);

        // A valid label afterwards still joins: the invalid one did not count as the first.
        pipeFeedback("e4", "false");
        assertThat(examples.readValue().getLabel()).isEqualTo("false");
    }

    @Test
    void duplicateFeedbackIsCountedAndTheFirstWins() {
        pipeEvent("e5", 40);
        pipeFeedback("e5", "true");
        pipeFeedback("e5", "false");

        List<LabeledExample> labeled = examples.readValuesToList();
        assertThat(labeled).hasSize(1);
        assertThat(labeled.get(0).getLabel()).isEqualTo("true");
        assertThat(metrics.count(ServingMetrics.FEEDBACK_DUPLICATE)).isEqualTo(1);
    }

    @Test
    void duplicateFeedbackWhileBufferedKeepsTheFirst() {
        pipeFeedback("e6", "1");
        pipeFeedback("e6", "0");
        pipeEvent("e6", 40);

        List<LabeledExample> labeled = examples.readValuesToList();
        assertThat(labeled).extracting(LabeledExample::getLabel).containsExactly("1");
        assertThat(labeled.get(0).getPositive()).isTrue();
        assertThat(metrics.count(ServingMetrics.FEEDBACK_DUPLICATE)).isEqualTo(1);
    }

    @Test
    void httpPredictionsAreAttachedAndSupplyTheEventWhenNoValidatedEventExists() {
        Prediction http = Prediction.newBuilder()
                .setPredictionId("p-http-1")
                .setEventId("h1")
                .setPipeline("credit")
                .setEntityKey("app-h1")
                .setModelVersion("credit-v7")
                .setVariant(Variant.CHAMPION)
                .setServed(true)
                .setScore(0.9)
                .setDecision(true)
                .setThreshold(0.5)
                .setLatencyMicros(12)
                .setFeatures(Map.of("age", 33, "income", 1200.0, "employment", "student"))
                .setEventTime(TestFixtures.T0.minusSeconds(5))
                .setPredictedAt(TestFixtures.T0)
                .setSource("http")
                .build();
        predictionsIn.pipeInput("h1", http);

        pipeFeedback("h1", "true");

        LabeledExample example = examples.readValue();
        assertThat(example.getEntityKey()).isEqualTo("app-h1");
        assertThat(example.getFeatures()).containsEntry("age", 33).containsEntry("employment", "student");
        assertThat(example.getEventTime()).isEqualTo(TestFixtures.T0.minusSeconds(5));
        assertThat(example.getPredictions()).hasSize(1);
        assertThat(example.getPredictions().get(0).getPredictionId()).isEqualTo("p-http-1");
        assertThat(example.getPredictions().get(0).getModelVersion()).isEqualTo("credit-v7");
    }

    /** An HTTP prediction of the champion {@code version} with positive-class probability {@code score}. */
    private void pipeHttpPrediction(String eventId, String version, double score) {
        predictionsIn.pipeInput(eventId, Prediction.newBuilder().setPredictionId("p-" + eventId).setEventId(eventId)
                .setPipeline("credit").setEntityKey("app-" + eventId).setModelVersion(version)
                .setVariant(Variant.CHAMPION).setServed(true).setScore(score).setDecision(score >= 0.5)
                .setThreshold(0.5).setLatencyMicros(12)
                .setFeatures(Map.of("age", 33, "income", 1200.0, "employment", "student"))
                .setEventTime(TestFixtures.T0.minusSeconds(5)).setPredictedAt(TestFixtures.T0).setSource("http")
                .build(), streamTime);
    }

    @Test
    void theJoinFlagsExactlyTheInjectedFlipsOfASeparableStreamAndKeepsItsThresholdsInAStore() {
        // Separable: the outcome is x > 0.5 and the champion's score sigmoid(8 (x - 0.5)) is on the right side of
        // 0.5 for every example. Confident examples (|x - 0.5| > 0.3, score beyond 0.92 or 0.08) get their label
        // flipped now and then; the thresholds (mean P(class) over that class's outcomes) are near 0.8, so exactly
        // those flips are flagged once both classes have 30 outcomes (monitoring.label_noise_min_per_class).
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        java.util.Set<String> injected = new java.util.HashSet<>();
        String earlyFlip = null;
        for (int i = 0; i < 600; i++) {
            String id = "s" + i;
            double x = random.nextDouble();
            double score = 1 / (1 + Math.exp(-8 * (x - 0.5)));
            boolean label = x > 0.5;
            boolean confident = Math.abs(x - 0.5) > 0.3;
            if (confident && i % 10 == 0 && (i >= 100 || earlyFlip == null)) {
                label = !label;
                if (i >= 100) {
                    injected.add(id);
                } else {
                    earlyFlip = id; // still warming up: not judged
                }
            }
            pipeHttpPrediction(id, "credit-v3", score);
            pipeFeedback(id, Boolean.toString(label));
        }

        List<LabeledExample> joined = examples.readValuesToList();
        assertThat(joined).hasSize(600);
        java.util.Set<String> flagged = joined.stream().filter(LabeledExample::getLabelSuspect)
                .map(LabeledExample::getEventId).collect(java.util.stream.Collectors.toSet());
        assertThat(injected).hasSizeGreaterThan(15);
        assertThat(flagged).isEqualTo(injected);
        assertThat(earlyFlip).isNotNull();
        for (LabeledExample example : joined) {
            double score = example.getPredictions().get(0).getScore();
            double self = example.getPositive() ? score : 1 - score;
            assertThat(example.getLabelSelfConfidence()).isCloseTo(self, org.assertj.core.api.Assertions.within(1e-12));
            if (example.getLabelSuspect()) {
                assertThat(example.getLabelSelfConfidence()).isLessThan(0.08);
                assertThat(example.getLabelSuspectMargin()).isPositive();
            }
        }
        assertThat(metrics.count(ServingMetrics.FEEDBACK_LABEL_SUSPECT))
                .isEqualTo(injected.size());
        // the thresholds live in the join's state store, per champion version
        io.mlcycle.mlcore.monitoring.LabelNoiseDetector.State thresholds = driver
                .<String, io.mlcycle.mlcore.monitoring.LabelNoiseDetector.State>getKeyValueStore(
                        ServingTopology.LABEL_THRESHOLDS_STORE).get("credit-v3");
        assertThat(thresholds.positives() + thresholds.negatives()).isEqualTo(600);
        assertThat(thresholds.positiveThreshold()).isBetween(0.7, 0.9);
        assertThat(thresholds.negativeThreshold()).isBetween(0.7, 0.9);
    }

    @Test
    void anOutcomeWithoutAChampionPredictionIsPassedOnUnjudged() {
        pipeEvent("u1", 40);
        pipeFeedback("u1", "true");

        LabeledExample example = examples.readValue();
        assertThat(example.getLabelSuspect()).isFalse();
        assertThat(example.getLabelSelfConfidence()).isNull();
        assertThat(example.getLabelSuspectMargin()).isNull();
    }

    @Test
    void streamPredictionsReadBackFromTheLogAreNotAttachedTwice() {
        champion.set(model("credit-v1", 0.0));
        pipeEvent("e7", 40);
        Prediction logged = predictions.readValue();
        // What the broker would deliver back to the collector: the same prediction id.
        predictionsIn.pipeInput("e7", logged);

        pipeFeedback("e7", "true");

        assertThat(examples.readValue().getPredictions()).hasSize(1);
    }

    @Test
    void undecodableFeedbackIsQuarantinedWithItsBytes() {
        byte[] garbage = {7, 7, 7};
        rawFeedback.pipeInput("e8", garbage);

        QuarantineRecord record = quarantine.readValue();
        assertThat(record.getStage()).isEqualTo(QuarantineStage.DESERIALIZATION);
        assertThat(record.getReasons().get(0).getCode()).isEqualTo("BAD_MAGIC_BYTE");
        assertThat(record.getEventId()).isEqualTo("e8");
        assertThat(record.getOriginalValue().array()).containsExactly(garbage);
        assertThat(record.getSourceOffset()).isNotNull();
    }

    @Test
    void stateIsBoundedByTheWindow() {
        champion.set(model("credit-v1", 0.0));
        for (int i = 0; i < 20; i++) {
            pipeEvent("bulk-" + i, 40);
        }
        assertThat(countEntries(ServingTopology.JOIN_STORE)).isEqualTo(20);

        advanceStreamTime(WINDOW.plusSeconds(10));

        assertThat(countEntries(ServingTopology.JOIN_STORE)).isZero();
        assertThat(countEntries(ServingTopology.EXPIRY_STORE)).isZero();
    }

    @Test
    void valuesWrittenWithANonRecordSchemaAreQuarantinedWithoutStoppingTheTopology() {
        // A Confluent-framed value whose writer schema is "bytes": the serde returns a byte[] whatever the topic's
        // type is. Before the fix the processors' implicit cast threw ClassCastException and killed the thread.
        int bytesSchemaId = registry.register("stray-value", org.apache.avro.Schema.create(
                org.apache.avro.Schema.Type.BYTES));
        byte[] framed = java.nio.ByteBuffer.allocate(8).put((byte) 0).putInt(bytesSchemaId)
                .put(new byte[] {1, 2, 3}).array();

        rawFeedback.pipeInput("s1", framed);
        rawValidated.pipeInput("s2", framed);
        rawPredictions.pipeInput("s3", framed);

        List<QuarantineRecord> quarantined = quarantine.readValuesToList();
        assertThat(quarantined).extracting(QuarantineRecord::getEventId).containsExactly("s1", "s2", "s3");
        assertThat(quarantined).allSatisfy(r -> {
            assertThat(r.getStage()).isEqualTo(QuarantineStage.DESERIALIZATION);
            assertThat(r.getReasons().get(0).getCode()).isEqualTo("SCHEMA_MISMATCH");
            assertThat(r.getOriginalValue().array()).containsExactly(framed);
        });
        pipeEvent("s4", 40);
        pipeFeedback("s4", "true");
        assertThat(examples.readValue().getEventId()).isEqualTo("s4");
    }

    @Test
    void feedbackTombstonesAreQuarantinedNotSilentlyDropped() {
        rawFeedback.pipeInput("e11", (byte[]) null);

        QuarantineRecord record = quarantine.readValue();
        assertThat(record.getEventId()).isEqualTo("e11");
        assertThat(record.getStage()).isEqualTo(QuarantineStage.DESERIALIZATION);
        assertThat(record.getReasons().get(0).getCode()).isEqualTo("DESERIALIZATION_FAILED");
        assertThat(record.getSourceTopic()).isEqualTo("credit.feedback");
    }

    @Test
    void keylessFeedbackIsWrittenBackKeyedByItsEventIdSoItReachesTheEventsPartition() {
        // With 3 partitions a keyless record lands in an arbitrary partition, away from its event's join state;
        // keyed by event id it is co-partitioned with the event. (The test driver has one partition, so the join
        // itself would succeed either way: what is checked is the re-keying.)
        pipeEvent("e12", 40);
        feedback.pipeInput((String) null, Feedback.newBuilder().setEventId("e12").setLabel("true")
                .setObservedAt(TestFixtures.T0).setSource("test").build());

        List<org.apache.kafka.streams.test.TestRecord<String, Feedback>> rekeyed = feedbackOut.readRecordsToList();
        assertThat(rekeyed).hasSize(1);
        assertThat(rekeyed.get(0).key()).isEqualTo("e12");
        assertThat(rekeyed.get(0).value().getLabel()).isEqualTo("true");
        assertThat(examples.readValuesToList()).extracting(LabeledExample::getEventId).containsExactly("e12");
        assertThat(metrics.count(ServingMetrics.FEEDBACK_RECEIVED)).isEqualTo(1);
    }

    @Test
    void keylessPredictionsAreWrittenBackKeyedByTheirEventId() {
        Prediction http = Prediction.newBuilder().setPredictionId("p-k").setEventId("h2").setPipeline("credit")
                .setModelVersion("credit-v7").setVariant(Variant.CHAMPION).setServed(true).setScore(0.2)
                .setDecision(false).setThreshold(0.5).setLatencyMicros(1).setFeatures(Map.of("age", 33))
                .setPredictedAt(TestFixtures.T0).setSource("http").build();
        predictionsIn.pipeInput((String) null, http);

        List<org.apache.kafka.streams.test.TestRecord<String, Prediction>> written = predictions.readRecordsToList();
        assertThat(written).extracting(org.apache.kafka.streams.test.TestRecord::key).containsExactly("h2");
        pipeFeedback("h2", "false");
        assertThat(examples.readValue().getPredictions()).extracting(p -> p.getPredictionId()).containsExactly("p-k");
    }

    @Test
    void theFirstScoringFailureIsLogged() {
        // The once-a-minute throttle started from Long.MIN_VALUE, and now - MIN_VALUE overflows: nothing was ever
        // logged, only counted.
        champion.set(new LoadedModel("credit-broken", 9, "0".repeat(64), "mlcycle.logistic.v1", features -> {
            throw new IllegalArgumentException("feature age has the wrong type");
        }, 0.5, TestFixtures.T0, Map.of()));
        ch.qos.logback.classic.Logger logger =
                (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(ScoringProcessor.class);
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> appender =
                new ch.qos.logback.core.read.ListAppender<>();
        appender.start();
        logger.addAppender(appender);
        try {
            pipeEvent("f1", 40);
            pipeEvent("f2", 40);
        } finally {
            logger.detachAppender(appender);
        }

        assertThat(metrics.count(ServingMetrics.SCORING_FAILURES)).isEqualTo(2);
        assertThat(appender.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                .singleElement().asString().contains("credit-broken").contains("f1");
        assertThat(predictions.isEmpty()).isTrue();
    }

    private long countEntries(String store) {
        long n = 0;
        try (var it = driver.getKeyValueStore(store).all()) {
            while (it.hasNext()) {
                it.next();
                n++;
            }
        }
        return n;
    }

    @Test
    void buildsTheExpiryKeyAsTheFormatDid() {
        for (long firstSeen : new long[] {0L, 1L, 1_764_000_000_000L, Long.MAX_VALUE, -900_000L}) {
            assertThat(JoinProcessor.expiryKey(firstSeen, "event-7"))
                    .isEqualTo(String.format("%019d|%s", firstSeen, "event-7"));
            assertThat(JoinProcessor.expiryTime(JoinProcessor.expiryKey(firstSeen, "e"))).isEqualTo(firstSeen);
        }
    }
}
