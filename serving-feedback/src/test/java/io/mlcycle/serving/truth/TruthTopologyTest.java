package io.mlcycle.serving.truth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Prediction;
import io.mlcycle.avro.PredictionSummary;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.monitoring.Calibration;
import io.mlcycle.mlcore.monitoring.Cbpe;
import io.mlcycle.mlcore.monitoring.Reconciliation;
import io.mlcycle.mlcore.monitoring.ScoreBins;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TruthTopologyTest {

    static final String SPEC_YAML = """
            pipeline: truth
            data:
              record: Event
              key: id
              event_time: at
              fields:
                - {name: id, type: string}
                - {name: at, type: timestamp}
                - {name: x, type: double, feature: true}
                - {name: y, type: boolean}
            label: {field: y, positive: true}
            monitoring: {label_noise_min_per_class: 20}
            """;
    static final Instant T0 = Instant.parse("2025-03-01T00:00:00Z");
    static final String APPLICATION_ID = "truth-topology-test";

    @TempDir
    Path stateDir;
    @TempDir
    Path otherStateDir;
    PipelineSerdes serdes;
    TopologyTestDriver driver;
    TestInputTopic<String, Prediction> predictions;
    TestInputTopic<String, LabeledExample> labeled;
    TestOutputTopic<String, OnlineMetrics> metrics;
    TestOutputTopic<String, Alert> alerts;

    @BeforeEach
    void setUp() throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(SPEC_YAML, "truth.yaml");
        serdes = new PipelineSerdes(new InMemorySchemaRegistryClient(), AvroSerdeConfig.defaults(),
                spec.pipeline(), spec.dataSchema());
        driver = newDriver(spec, stateDir, Calibration.IDENTITY);
        Run topics = new Run(driver); // the same input and output topics the tests that restart use
        predictions = topics.predictions;
        labeled = topics.labeled;
        metrics = topics.metrics;
        alerts = driver.createOutputTopic(Topics.MONITORING_ALERTS.name("truth"),
                serdes.keySerde(Topics.MONITORING_ALERTS).deserializer(),
                serdes.valueSerde(Topics.MONITORING_ALERTS).deserializer());
    }

    TopologyTestDriver newDriver(PipelineSpec spec, Path dir, Calibration calibration) {
        return newDriver(spec, dir, calibration, T0);
    }

    /** A driver whose wall clock starts at {@code wallClock}. */
    TopologyTestDriver newDriver(PipelineSpec spec, Path dir, Calibration calibration, Instant wallClock) {
        TruthTopology.Settings settings = new TruthTopology.Settings(spec, Duration.ofHours(1), Duration.ofDays(1),
                Duration.ofSeconds(10), version -> calibration);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, APPLICATION_ID);
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        return new TopologyTestDriver(TruthTopology.buildTopology(settings, serdes), props, wallClock);
    }

    @AfterEach
    void tearDown() {
        driver.close();
    }

    /** One hour of 600 calibrated predictions of v1; outcomes for every second one, from p or from a changed p. */
    void play(Instant windowStart, boolean relationChanged, int flips, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = 0; i < 600; i++) {
            String id = windowStart.toEpochMilli() + "-" + i;
            double z = 3 * (random.nextDouble() * 2 - 1);
            double p = 1 / (1 + Math.exp(-z));
            Instant at = windowStart.plusSeconds(i * 5L);
            predictions.pipeInput(id, Prediction.newBuilder().setPredictionId("p" + id).setEventId(id)
                    .setPipeline("truth").setModelVersion("truth-v1").setVariant(Variant.CHAMPION).setServed(true)
                    .setScore(p).setDecision(p >= 0.5).setThreshold(0.5).setLatencyMicros(10).setEventTime(at)
                    .setPredictedAt(at).build());
            if (i % 2 == 0) {
                double truth = relationChanged ? 1 / (1 + Math.exp(z)) : p;
                boolean label = random.nextDouble() < truth;
                if (i < 2 * flips) {
                    label = p < 0.5; // a confident prediction contradicted: a suspect label
                }
                // the feedback join flags the labels; here the injected flips carry its flag
                labeled.pipeInput(id, LabeledExample.newBuilder().setEventId(id).setPipeline("truth")
                        .setLabel(Boolean.toString(label)).setPositive(label).setEventTime(at).setObservedAt(at)
                        .setLabelSuspect(i < 2 * flips)
                        .setPredictions(List.of(PredictionSummary.newBuilder().setPredictionId("p" + id)
                                .setModelVersion("truth-v1").setVariant(Variant.CHAMPION).setScore(p)
                                .setDecision(p >= 0.5).build())).build());
            }
        }
    }

    @Test
    void estimatesBeforeLabelsAndReconcilesAsTheyArrive() {
        play(T0, false, 0, 1);
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        Map<Instant, OnlineMetrics> byWindow = metrics.readValuesToList().stream()
                .collect(Collectors.toMap(OnlineMetrics::getWindowStart, m -> m, (a, b) -> b));
        OnlineMetrics first = byWindow.get(T0);
        assertThat(first.getPredictions()).isEqualTo(600);
        assertThat(first.getLabeled()).isEqualTo(300);
        assertThat(first.getMetrics()).containsEntry("label_coverage", 0.5).containsEntry("estimate_diverged", 0.0);
        assertThat(first.getMetrics().get("estimated_accuracy"))
                .isBetween(first.getMetrics().get("estimated_accuracy_low"),
                        first.getMetrics().get("estimated_accuracy_high"));
        assertThat(first.getMetrics()).containsKeys("estimated_roc_auc", "realised_accuracy", "realised_roc_auc");
        assertThat(alerts.isEmpty()).isTrue();
    }

    /**
     * A window past the held-bins limit keeps its bins in memory: kept in step record by record after its first
     * emission, they give exactly what bins rebuilt from the store give (as after a restart), and close to the
     * per-prediction reconciliation of the same window.
     */
    @Test
    void aLargeWindowIsEstimatedFromBinsKeptInStepWithTheStore() throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(SPEC_YAML, "truth.yaml");
        Calibration calibration = new Calibration(1.1, -0.1, 0.004, 0.002, 0.001);
        int n = TruthProcessor.HELD_BINS_LIMIT + 2_000;
        SplittableRandom random = new SplittableRandom(11);
        double[] scores = new double[n];
        Boolean[] outcomes = new Boolean[n];
        List<org.apache.kafka.streams.KeyValue<String, Prediction>> sent = new java.util.ArrayList<>();
        List<org.apache.kafka.streams.KeyValue<String, LabeledExample>> known = new java.util.ArrayList<>();
        for (int i = 0; i < n; i++) {
            String id = "e" + i;
            scores[i] = 1 / (1 + Math.exp(-3 * (random.nextDouble() * 2 - 1)));
            Instant at = T0.plusMillis(i * 250L);
            sent.add(org.apache.kafka.streams.KeyValue.pair(id, Prediction.newBuilder().setPredictionId("p" + id)
                    .setEventId(id).setPipeline("truth").setModelVersion("truth-v1").setVariant(Variant.CHAMPION)
                    .setServed(true).setScore(scores[i]).setDecision(scores[i] >= 0.5).setThreshold(0.5)
                    .setLatencyMicros(10).setEventTime(at).setPredictedAt(at).build()));
            if (i % 2 == 0) {
                outcomes[i] = random.nextDouble() < calibration.apply(scores[i]);
                known.add(org.apache.kafka.streams.KeyValue.pair(id, LabeledExample.newBuilder().setEventId(id)
                        .setPipeline("truth").setLabel(outcomes[i].toString()).setPositive(outcomes[i])
                        .setEventTime(at).setObservedAt(at).setLabelSuspect(false)
                        .setPredictions(List.of(PredictionSummary.newBuilder().setPredictionId("p" + id)
                                .setModelVersion("truth-v1").setVariant(Variant.CHAMPION).setScore(scores[i])
                                .setDecision(scores[i] >= 0.5).build())).build()));
            }
        }
        // its own driver, with the calibration: predictions, an emission (bins built), outcomes (bins kept in step)
        OnlineMetrics stepped;
        try (TopologyTestDriver first = newDriver(spec, stateDir.resolve("stepped"), calibration)) {
            first.createInputTopic(Topics.PREDICTIONS.name("truth"), serdes.keySerde(Topics.PREDICTIONS).serializer(),
                    serdes.valueSerde(Topics.PREDICTIONS).serializer()).pipeKeyValueList(sent);
            first.advanceWallClockTime(Duration.ofSeconds(11));
            first.createInputTopic(Topics.EXAMPLES_LABELED.name("truth"),
                    serdes.keySerde(Topics.EXAMPLES_LABELED).serializer(),
                    serdes.valueSerde(Topics.EXAMPLES_LABELED).serializer()).pipeKeyValueList(known);
            first.advanceWallClockTime(Duration.ofSeconds(11));
            List<OnlineMetrics> emitted = first.createOutputTopic(Topics.MONITORING_METRICS.name("truth"),
                    serdes.keySerde(Topics.MONITORING_METRICS).deserializer(),
                    serdes.valueSerde(Topics.MONITORING_METRICS).deserializer()).readValuesToList();
            assertThat(emitted).hasSize(2);
            assertThat(emitted.get(0).getLabeled()).isZero();
            stepped = emitted.get(1);
        }
        // another driver given everything before its first emission: the bins built from the store at once
        OnlineMetrics rebuilt;
        try (TopologyTestDriver other = newDriver(spec, otherStateDir, calibration)) {
            other.createInputTopic(Topics.PREDICTIONS.name("truth"), serdes.keySerde(Topics.PREDICTIONS).serializer(),
                    serdes.valueSerde(Topics.PREDICTIONS).serializer()).pipeKeyValueList(sent);
            other.createInputTopic(Topics.EXAMPLES_LABELED.name("truth"),
                    serdes.keySerde(Topics.EXAMPLES_LABELED).serializer(),
                    serdes.valueSerde(Topics.EXAMPLES_LABELED).serializer()).pipeKeyValueList(known);
            other.advanceWallClockTime(Duration.ofSeconds(11));
            rebuilt = other.createOutputTopic(Topics.MONITORING_METRICS.name("truth"),
                    serdes.keySerde(Topics.MONITORING_METRICS).deserializer(),
                    serdes.valueSerde(Topics.MONITORING_METRICS).deserializer()).readValuesToList().get(0);
        }
        assertThat(stepped.getPredictions()).isEqualTo(n);
        assertThat(stepped.getLabeled()).isEqualTo(n / 2);
        assertThat(stepped.getMetrics()).isEqualTo(rebuilt.getMetrics());

        io.mlcycle.mlcore.monitoring.Reconciliation exact = io.mlcycle.mlcore.monitoring.Reconciliation.of(
                new io.mlcycle.mlcore.monitoring.Cbpe(0.5, spec.monitoring().estimateLevel(), 200, 42),
                calibration, scores, outcomes, 0.5);
        Map<String, Double> expected = exact.toMetrics();
        Map<String, Double> binned = estimates(stepped.getMetrics());
        assertThat(binned.keySet()).isEqualTo(expected.keySet());
        assertThat(binned.get("realised_accuracy")).isEqualTo(expected.get("realised_accuracy"));
        assertThat(binned.get("estimate_diverged")).isEqualTo(expected.get("estimate_diverged")).isZero();
        for (String point : List.of("estimated_accuracy", "estimated_roc_auc", "estimated_positive_rate",
                "estimated_accuracy_on_labeled", "realised_roc_auc")) {
            assertThat(binned.get(point)).as(point).isCloseTo(expected.get(point), within(1e-3));
        }
        for (String end : List.of("estimated_accuracy_low", "estimated_accuracy_high", "estimated_roc_auc_low",
                "estimated_roc_auc_high")) {
            assertThat(binned.get(end)).as(end).isCloseTo(expected.get(end), within(0.005));
        }
    }

    @Test
    void aWindowsStoredStateDoesNotGrowWithItsPredictions() {
        play(T0, false, 0, 1);
        // Before, the window's one JSON entry held every score and outcome: each prediction read and rewrote it
        // whole (and its changelog record grew past Kafka's record limit within an hour of traffic).
        org.apache.kafka.streams.state.KeyValueStore<String, TruthWindow> windows =
                driver.getKeyValueStore(TruthTopology.WINDOWS_STORE);
        TruthWindow stored = windows.get("truth-v1|CHAMPION|" + T0.toEpochMilli());
        assertThat(stored).isNotNull();
        assertThat(TruthTopology.json(TruthWindow.class).serializer().serialize("", stored).length).isLessThan(300);
        org.apache.kafka.streams.state.KeyValueStore<String, byte[]> entries =
                driver.getKeyValueStore(TruthTopology.PREDICTIONS_STORE);
        long count = 0;
        try (var all = entries.all()) {
            while (all.hasNext()) {
                assertThat(all.next().value).hasSize(9);
                count++;
            }
        }
        assertThat(count).isEqualTo(600);
    }

    @Test
    void anOutcomeArrivingBeforeItsPredictionIsKept() {
        Instant at = T0.plusSeconds(5);
        labeled.pipeInput("e1", LabeledExample.newBuilder().setEventId("e1").setPipeline("truth").setLabel("true")
                .setPositive(true).setEventTime(at).setObservedAt(at).setLabelSuspect(false)
                .setPredictions(List.of(PredictionSummary.newBuilder().setPredictionId("p1")
                        .setModelVersion("truth-v1").setVariant(Variant.CHAMPION).setScore(0.8)
                        .setDecision(true).build())).build());
        predictions.pipeInput("e1", Prediction.newBuilder().setPredictionId("p1").setEventId("e1")
                .setPipeline("truth").setModelVersion("truth-v1").setVariant(Variant.CHAMPION).setServed(true)
                .setScore(0.8).setDecision(true).setThreshold(0.5).setLatencyMicros(10).setEventTime(at)
                .setPredictedAt(at).build());
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        OnlineMetrics emitted = metrics.readValuesToList().get(0);
        assertThat(emitted.getPredictions()).isEqualTo(1);
        assertThat(emitted.getLabeled()).isEqualTo(1);
    }

    @Test
    void anExpiredWindowTakesItsPredictionsWithIt() {
        play(T0, false, 0, 1);
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        // two days of event time later (retention one day): the first window is emitted, then expired
        play(T0.plus(Duration.ofDays(2)), false, 0, 3);
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        org.apache.kafka.streams.state.KeyValueStore<String, TruthWindow> windows =
                driver.getKeyValueStore(TruthTopology.WINDOWS_STORE);
        assertThat(windows.get("truth-v1|CHAMPION|" + T0.toEpochMilli())).isNull();
        org.apache.kafka.streams.state.KeyValueStore<String, byte[]> entries =
                driver.getKeyValueStore(TruthTopology.PREDICTIONS_STORE);
        long first = 0;
        long later = 0;
        try (var all = entries.all()) {
            while (all.hasNext()) {
                if (all.next().key.startsWith("truth-v1|CHAMPION|" + T0.toEpochMilli() + "|")) {
                    first++;
                } else {
                    later++;
                }
            }
        }
        assertThat(first).isZero();
        assertThat(later).isEqualTo(600);
        org.apache.kafka.streams.state.KeyValueStore<String, io.mlcycle.mlcore.monitoring.DivergenceTest> tests =
                driver.getKeyValueStore(TruthTopology.DIVERGENCE_STORE);
        assertThat(tests.get("truth-v1|CHAMPION|" + T0.toEpochMilli())).isNull();
        assertThat(tests.get("truth-v1|CHAMPION|" + T0.plus(Duration.ofDays(2)).toEpochMilli()).outcomes())
                .isEqualTo(300);
    }

    @Test
    void alertsWhenOutcomesLeaveTheEstimateAndCountsSuspectLabels() {
        play(T0, false, 0, 1);
        Instant later = T0.plus(Duration.ofHours(1));
        play(later, true, 10, 2);
        driver.advanceWallClockTime(Duration.ofSeconds(11));
        Map<Instant, OnlineMetrics> byWindow = metrics.readValuesToList().stream()
                .collect(Collectors.toMap(OnlineMetrics::getWindowStart, m -> m, (a, b) -> b));
        assertThat(byWindow.get(T0).getMetrics()).containsEntry("estimate_diverged", 0.0);
        assertThat(byWindow.get(T0).getFlaggedLabels()).isZero();
        OnlineMetrics changed = byWindow.get(later);
        assertThat(changed.getMetrics()).containsEntry("estimate_diverged", 1.0);
        assertThat(changed.getMetrics().get("realised_accuracy"))
                .isLessThan(changed.getMetrics().get("estimated_accuracy_on_labeled") - 0.3);
        assertThat(changed.getFlaggedLabels()).isEqualTo(10); // the join's flags, counted, not recomputed
        List<Alert> raised = alerts.readValuesToList();
        assertThat(raised).hasSize(1);
        assertThat(raised.get(0).getType()).isEqualTo(AlertType.DEGRADATION);
        assertThat(raised.get(0).getSubject()).isEqualTo("truth-v1");
        // decided by the sequential test (valid at every emission), not by the interval (valid for one look)
        assertThat(raised.get(0).getMessage()).contains("realised accuracy")
                .contains("decisions correct less often than the calibrated scores say")
                .contains("always-valid p-value").contains("P(label | features) changed");
        assertThat(changed.getMetrics().get("divergence_p_value")).isLessThanOrEqualTo(0.05);
        assertThat(byWindow.get(T0).getMetrics().get("divergence_p_value")).isGreaterThan(0.05);
        assertThat(Long.parseLong(raised.get(0).getEvidence().get("divergence_rejected_at"))).isBetween(1L, 300L);
    }

    /**
     * A window stored before the divergence test existed (its JSON value as that code wrote it, with no test in
     * {@code truth-divergence}) restores with its counts and its alert flag, and is tested from its next outcome on.
     */
    @Test
    void aWindowStoredBeforeTheDivergenceTestIsTestedFromItsNextOutcome() {
        String key = "truth-v1|CHAMPION|" + T0.toEpochMilli();
        byte[] earlier = ("{\"version\":\"truth-v1\",\"variant\":\"CHAMPION\",\"start\":" + T0.toEpochMilli()
                + ",\"end\":" + T0.plus(Duration.ofHours(1)).toEpochMilli()
                + ",\"threshold\":0.5,\"flagged\":3,\"dirty\":false,\"alerted\":false}")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        KeyValueStore<String, TruthWindow> windows = driver.getKeyValueStore(TruthTopology.WINDOWS_STORE);
        windows.put(key, TruthTopology.json(TruthWindow.class).deserializer().deserialize("", earlier));

        play(T0, true, 0, 2); // 300 outcomes of a changed relation
        driver.advanceWallClockTime(Duration.ofSeconds(11));

        KeyValueStore<String, io.mlcycle.mlcore.monitoring.DivergenceTest> tests =
                driver.getKeyValueStore(TruthTopology.DIVERGENCE_STORE);
        assertThat(tests.get(key).outcomes()).isEqualTo(300);
        OnlineMetrics emitted = metrics.readValuesToList().get(0);
        assertThat(emitted.getFlaggedLabels()).isEqualTo(3);
        assertThat(emitted.getMetrics()).containsEntry("estimate_diverged", 1.0);
        assertThat(alerts.readValuesToList()).hasSize(1);
    }

    /**
     * However often a window is emitted (the wall clock decides), the divergence is decided at the same outcome and
     * the test ends in the same state: a replay of the same records gives the same alert, whatever its pace.
     */
    @Test
    void theDivergenceDecisionDoesNotDependOnHowOftenTheWindowIsEmitted() throws Exception {
        PipelineSpec spec = spec();
        Traffic flattened = Traffic.of("e", T0, 2_000, 0.5, new Calibration(0.3, 0), 61);
        List<Alert> once;
        Map<String, io.mlcycle.mlcore.monitoring.DivergenceTest> atOnce;
        try (Run run = new Run(newDriver(spec, stateDir.resolve("once"), Calibration.IDENTITY))) {
            run.predictions.pipeKeyValueList(flattened.sent());
            run.labeled.pipeKeyValueList(flattened.known());
            assertThat(run.emit()).hasSize(1);
            once = alertsOf(run);
            atOnce = run.divergence();
        }
        List<Alert> often;
        Map<String, io.mlcycle.mlcore.monitoring.DivergenceTest> inSteps;
        try (Run run = new Run(newDriver(spec, otherStateDir, Calibration.IDENTITY))) {
            run.predictions.pipeKeyValueList(flattened.sent());
            for (int from = 0; from < flattened.known().size(); from += 10) {
                run.labeled.pipeKeyValueList(flattened.known().subList(from,
                        Math.min(from + 10, flattened.known().size())));
                run.emit(); // an emission every 10 outcomes: 100 looks
            }
            often = alertsOf(run);
            inSteps = run.divergence();
        }
        assertThat(once).hasSize(1);
        assertThat(often).hasSize(1);
        assertThat(often.get(0).getEvidence().get("divergence_rejected_at"))
                .isEqualTo(once.get(0).getEvidence().get("divergence_rejected_at"));
        assertThat(inSteps).isEqualTo(atOnce);
    }

    private List<Alert> alertsOf(Run run) {
        return run.driver.createOutputTopic(Topics.MONITORING_ALERTS.name("truth"),
                serdes.keySerde(Topics.MONITORING_ALERTS).deserializer(),
                serdes.valueSerde(Topics.MONITORING_ALERTS).deserializer()).readValuesToList();
    }

    @Test
    void labelFlagsMarkAContradictedConfidentPrediction() {
        io.mlcycle.mlcore.monitoring.LabelNoiseDetector detector = new io.mlcycle.mlcore.monitoring.LabelNoiseDetector(1);
        var state = new io.mlcycle.mlcore.monitoring.LabelNoiseDetector.State(1, 0.8, 1, 0.8);
        LabeledExample example = LabeledExample.newBuilder().setEventId("e").setPipeline("truth").setLabel("true")
                .setPositive(true).setEventTime(T0).setObservedAt(T0)
                .setPredictions(List.of(PredictionSummary.newBuilder().setPredictionId("p").setModelVersion("v1")
                        .setVariant(Variant.CHAMPION).setScore(0.05).setDecision(false).build())).build();
        LabelFlags.Flagged flagged = LabelFlags.apply(detector, state, example);
        assertThat(flagged.example().getLabelSuspect()).isTrue();
        assertThat(flagged.example().getLabelSelfConfidence()).isEqualTo(0.05);
        assertThat(flagged.example().getLabelSuspectMargin()).isCloseTo(0.15, org.assertj.core.api.Assertions.within(1e-9));
        assertThat(flagged.next().positives()).isEqualTo(2);

        LabeledExample notAProbability = LabeledExample.newBuilder(example).setPredictions(List.of(
                PredictionSummary.newBuilder(example.getPredictions().get(0)).setScore(Double.NaN).build())).build();
        LabelFlags.Flagged unjudged = LabelFlags.apply(detector, state, notAProbability);
        assertThat(unjudged.verdict()).isEmpty();
        assertThat(unjudged.next()).isEqualTo(state);
        assertThat(unjudged.example().getLabelSuspect()).isFalse();
    }

    // ---- expiry by the watermark of both inputs, estimates of binned windows through changes and restarts ----

    static Prediction prediction(String id, Instant at, double score, double threshold) {
        return Prediction.newBuilder().setPredictionId("p" + id).setEventId(id).setPipeline("truth")
                .setModelVersion("truth-v1").setVariant(Variant.CHAMPION).setServed(true).setScore(score)
                .setDecision(score >= threshold).setThreshold(threshold).setLatencyMicros(10).setEventTime(at)
                .setPredictedAt(at).build();
    }

    static LabeledExample outcome(String id, Instant at, double score, boolean positive) {
        return LabeledExample.newBuilder().setEventId(id).setPipeline("truth").setLabel(Boolean.toString(positive))
                .setPositive(positive).setEventTime(at).setObservedAt(at).setLabelSuspect(false)
                .setPredictions(List.of(PredictionSummary.newBuilder().setPredictionId("p" + id)
                        .setModelVersion("truth-v1").setVariant(Variant.CHAMPION).setScore(score)
                        .setDecision(score >= 0.5).build())).build();
    }

    /**
     * Predictions of one window (spread over {@code span} from {@code start}, 50 minutes unless given) and the outcomes
     * of every second one, drawn from {@code truth} applied to the score.
     */
    record Traffic(double threshold, double[] scores, Boolean[] outcomes, List<KeyValue<String, Prediction>> sent,
                   List<KeyValue<String, LabeledExample>> known) {

        static Traffic of(String prefix, Instant start, int n, double threshold, Calibration truth, long seed) {
            return of(prefix, start, Duration.ofMinutes(50), n, threshold, truth, seed);
        }

        static Traffic of(String prefix, Instant start, Duration span, int n, double threshold, Calibration truth,
                          long seed) {
            SplittableRandom random = new SplittableRandom(seed);
            double[] scores = new double[n];
            Boolean[] outcomes = new Boolean[n];
            List<KeyValue<String, Prediction>> sent = new java.util.ArrayList<>();
            List<KeyValue<String, LabeledExample>> known = new java.util.ArrayList<>();
            long step = span.toMillis() / n;
            for (int i = 0; i < n; i++) {
                String id = prefix + i;
                scores[i] = 1 / (1 + Math.exp(-3 * (random.nextDouble() * 2 - 1)));
                Instant at = start.plusMillis(i * step);
                sent.add(KeyValue.pair(id, prediction(id, at, scores[i], threshold)));
                if (i % 2 == 0) {
                    outcomes[i] = random.nextDouble() < truth.apply(scores[i]);
                    known.add(KeyValue.pair(id, outcome(id, at, scores[i], outcomes[i])));
                }
            }
            return new Traffic(threshold, scores, outcomes, sent, known);
        }
    }

    /** One driver with its topics. */
    final class Run implements AutoCloseable {
        final TopologyTestDriver driver;
        final TestInputTopic<String, Prediction> predictions;
        final TestInputTopic<String, LabeledExample> labeled;
        final TestOutputTopic<String, OnlineMetrics> metrics;

        Run(TopologyTestDriver driver) {
            this.driver = driver;
            predictions = driver.createInputTopic(Topics.PREDICTIONS.name("truth"),
                    serdes.keySerde(Topics.PREDICTIONS).serializer(),
                    serdes.valueSerde(Topics.PREDICTIONS).serializer());
            labeled = driver.createInputTopic(Topics.EXAMPLES_LABELED.name("truth"),
                    serdes.keySerde(Topics.EXAMPLES_LABELED).serializer(),
                    serdes.valueSerde(Topics.EXAMPLES_LABELED).serializer());
            metrics = driver.createOutputTopic(Topics.MONITORING_METRICS.name("truth"),
                    serdes.keySerde(Topics.MONITORING_METRICS).deserializer(),
                    serdes.valueSerde(Topics.MONITORING_METRICS).deserializer());
        }

        /** One emission interval of wall clock: what the punctuation wrote. */
        List<OnlineMetrics> emit() {
            driver.advanceWallClockTime(Duration.ofSeconds(11));
            return metrics.readValuesToList();
        }

        KeyValueStore<String, TruthWindow> windows() {
            return driver.getKeyValueStore(TruthTopology.WINDOWS_STORE);
        }

        /** How many prediction entries each window holds, by window key. */
        Map<String, Long> entriesPerWindow() {
            KeyValueStore<String, byte[]> entries = driver.getKeyValueStore(TruthTopology.PREDICTIONS_STORE);
            Map<String, Long> counts = new java.util.TreeMap<>();
            try (var all = entries.all()) {
                while (all.hasNext()) {
                    String key = all.next().key;
                    counts.merge(key.substring(0, key.lastIndexOf('|')), 1L, Long::sum);
                }
            }
            return counts;
        }

        /** Each window's divergence test: how many outcomes it has seen and its state, by window key. */
        Map<String, io.mlcycle.mlcore.monitoring.DivergenceTest> divergence() {
            KeyValueStore<String, io.mlcycle.mlcore.monitoring.DivergenceTest> tests =
                    driver.getKeyValueStore(TruthTopology.DIVERGENCE_STORE);
            Map<String, io.mlcycle.mlcore.monitoring.DivergenceTest> values = new java.util.TreeMap<>();
            try (var all = tests.all()) {
                all.forEachRemaining(entry -> values.put(entry.key, entry.value));
            }
            return values;
        }

        Map<String, Long> progress() {
            KeyValueStore<String, Long> progress = driver.getKeyValueStore(TruthTopology.PROGRESS_STORE);
            Map<String, Long> values = new java.util.TreeMap<>();
            try (var all = progress.all()) {
                all.forEachRemaining(entry -> values.put(entry.key, entry.value));
            }
            return values;
        }

        /**
         * A restart of the task: this driver closed, a new one whose stores hold what this one's changelogs say (as a
         * restore after a crash rebuilds them) and whose processor starts with nothing in memory (no windows, bins
         * or progress).
         */
        Run restart(PipelineSpec spec, Path dir, Calibration calibration) {
            Map<String, List<KeyValue<String, byte[]>>> changelogs = new java.util.LinkedHashMap<>();
            for (String store : List.of(TruthTopology.WINDOWS_STORE, TruthTopology.PREDICTIONS_STORE,
                    TruthTopology.PROGRESS_STORE, TruthTopology.DIVERGENCE_STORE)) {
                changelogs.put(store, driver.createOutputTopic(APPLICATION_ID + "-" + store + "-changelog",
                        new StringDeserializer(), new ByteArrayDeserializer()).readKeyValuesToList());
            }
            driver.close();
            Run restarted = new Run(newDriver(spec, dir, calibration));
            KeyValueStore<String, TruthWindow> windows = restarted.windows();
            for (KeyValue<String, byte[]> entry : changelogs.get(TruthTopology.WINDOWS_STORE)) {
                windows.put(entry.key, TruthTopology.json(TruthWindow.class).deserializer().deserialize("", entry.value));
            }
            KeyValueStore<String, byte[]> entries = restarted.driver.getKeyValueStore(TruthTopology.PREDICTIONS_STORE);
            for (KeyValue<String, byte[]> entry : changelogs.get(TruthTopology.PREDICTIONS_STORE)) {
                entries.put(entry.key, entry.value);
            }
            KeyValueStore<String, Long> progress = restarted.driver.getKeyValueStore(TruthTopology.PROGRESS_STORE);
            for (KeyValue<String, byte[]> entry : changelogs.get(TruthTopology.PROGRESS_STORE)) {
                progress.put(entry.key, entry.value == null ? null
                        : Serdes.Long().deserializer().deserialize("", entry.value));
            }
            KeyValueStore<String, io.mlcycle.mlcore.monitoring.DivergenceTest> divergence =
                    restarted.driver.getKeyValueStore(TruthTopology.DIVERGENCE_STORE);
            DivergenceSerde divergenceSerde = new DivergenceSerde();
            for (KeyValue<String, byte[]> entry : changelogs.get(TruthTopology.DIVERGENCE_STORE)) {
                divergence.put(entry.key, entry.value == null ? null : divergenceSerde.read(entry.value));
            }
            assertThat(changelogs.get(TruthTopology.PREDICTIONS_STORE)).isNotEmpty();
            return restarted;
        }

        @Override
        public void close() {
            driver.close();
        }
    }

    /**
     * An emission's figures of the estimate and the realised metrics: without the sequential test's p-value, which
     * depends on the order the outcomes came in, not only on the bins.
     */
    static Map<String, Double> estimates(Map<String, Double> emitted) {
        Map<String, Double> figures = new java.util.LinkedHashMap<>(emitted);
        assertThat(figures.remove("divergence_p_value")).isNotNull();
        return figures;
    }

    /** What the window's bins, built here from the predictions sent, give: the one method for every window. */
    static Map<String, Double> binned(PipelineSpec spec, Calibration calibration, double threshold,
                                      double[] scores, Boolean[] outcomes, int count) {
        ScoreBins bins = new ScoreBins(threshold);
        for (int i = 0; i < count; i++) {
            bins.add(scores[i], outcomes[i]);
        }
        return Reconciliation.of(new Cbpe(threshold, spec.monitoring().estimateLevel(), 200, 42), calibration, bins)
                .toMetrics();
    }

    static PipelineSpec spec() throws Exception {
        return PipelineSpecParser.parse(SPEC_YAML, "truth.yaml");
    }

    /**
     * A catch-up in which the predictions run three days (beyond the one day's retention) ahead of the labeled
     * examples: the old window is kept while the labeled examples have not passed it, its outcomes still join it (600
     * predictions, 300 of them labeled, not a partial window of the 300 outcomes alone), and once both inputs passed
     * its end plus the retention it is forgotten with all its entries: the state stays bounded.
     */
    @Test
    void outcomesStillJoinTheirWindowWhilePredictionsRunFarAhead() {
        Run run = new Run(driver);
        Traffic old = Traffic.of("old-", T0, 600, 0.5, Calibration.IDENTITY, 5);
        Instant aheadStart = T0.plus(Duration.ofDays(3));
        Traffic ahead = Traffic.of("ahead-", aheadStart, 600, 0.5, Calibration.IDENTITY, 6);
        String oldWindow = "truth-v1|CHAMPION|" + T0.toEpochMilli();
        String aheadWindow = "truth-v1|CHAMPION|" + aheadStart.toEpochMilli();

        run.predictions.pipeKeyValueList(old.sent());
        run.predictions.pipeKeyValueList(ahead.sent());
        assertThat(run.emit()).hasSize(2);
        assertThat(run.emit()).isEmpty(); // an emission with nothing changed: the one that used to expire the window
        assertThat(run.windows().get(oldWindow)).isNotNull();
        assertThat(run.progress()).containsOnlyKeys(TruthProcessor.PREDICTIONS_INPUT)
                .containsEntry(TruthProcessor.PREDICTIONS_INPUT, aheadStart.toEpochMilli());

        run.labeled.pipeKeyValueList(old.known());
        List<OnlineMetrics> joined = run.emit();
        assertThat(joined).hasSize(1);
        assertThat(joined.get(0).getWindowStart()).isEqualTo(T0);
        assertThat(joined.get(0).getPredictions()).isEqualTo(600);
        assertThat(joined.get(0).getLabeled()).isEqualTo(300);
        run.emit();
        // the labeled examples have reached the old window, not past it plus the retention: still kept
        assertThat(run.entriesPerWindow()).containsEntry(oldWindow, 600L).containsEntry(aheadWindow, 600L);

        run.labeled.pipeKeyValueList(ahead.known());
        run.emit(); // the ahead window changed: emitted; the old one is past both inputs' progress: forgotten
        run.emit();
        assertThat(run.windows().get(oldWindow)).isNull();
        assertThat(run.windows().get(aheadWindow)).isNotNull();
        assertThat(run.entriesPerWindow()).containsOnlyKeys(aheadWindow).containsEntry(aheadWindow, 600L);
        assertThat(run.progress()).containsEntry(TruthProcessor.PREDICTIONS_INPUT, aheadStart.toEpochMilli())
                .containsEntry(TruthProcessor.LABELED_INPUT, aheadStart.toEpochMilli());
    }

    /**
     * An input that never has records (a pipeline whose outcomes are not fed back) cannot keep every window: the
     * watermark is at most {@link TruthTopology#MAX_INPUT_LAG} behind the input ahead, so a window is still kept while
     * the predictions are days ahead (a catch-up) and forgotten once they are more than that lag plus the retention
     * past its end.
     */
    @Test
    void windowsAreForgottenWhenTheOtherInputNeverHasRecords() {
        Run run = new Run(driver);
        Traffic old = Traffic.of("old-", T0, 200, 0.5, Calibration.IDENTITY, 8);
        String oldWindow = "truth-v1|CHAMPION|" + T0.toEpochMilli();
        run.predictions.pipeKeyValueList(old.sent());
        run.emit();

        Instant daysLater = T0.plus(TruthTopology.MAX_INPUT_LAG).minus(Duration.ofDays(1));
        run.predictions.pipeInput("later", prediction("later", daysLater, 0.7, 0.5));
        run.emit();
        run.emit();
        assertThat(run.windows().get(oldWindow)).as("kept: the predictions are less than the lag ahead").isNotNull();

        // the settings' retention is one day: past the window's end plus the lag plus the retention
        Instant beyond = T0.plus(TruthTopology.MAX_INPUT_LAG).plus(Duration.ofDays(1)).plus(Duration.ofHours(2));
        run.predictions.pipeInput("beyond", prediction("beyond", beyond, 0.7, 0.5));
        run.emit();
        run.emit();
        assertThat(run.windows().get(oldWindow)).as("forgotten by the predictions alone").isNull();
        assertThat(run.entriesPerWindow()).doesNotContainKey(oldWindow);
        assertThat(run.progress()).doesNotContainKey(TruthProcessor.LABELED_INPUT);
    }

    /**
     * A prediction and a labeled example with a bogus event time a thousand days ahead (a client's clock or unit error
     * that reached the topics: a serving from before its HTTP gate, another producer) moved each input's stored
     * progress for good, so every window was forgotten right after its first emission. Where the spec sets
     * {@code data.max_future}, a record whose event time is more than that after the moment it was written (a
     * prediction's {@code predicted_at}, a labeled example's record timestamp) does not move the progress and is still
     * counted in its window; one exactly at the limit moves it. The moment is the record's own, so a run under another
     * wall clock (one already past the bogus time) keeps the same progress and windows. Without {@code max_future}
     * the progress moves as before and the window is forgotten.
     */
    @Test
    void aFarFutureEventTimeDoesNotMoveTheProgressWhereTheSpecSetsMaxFuture() throws Exception {
        PipelineSpec limited = PipelineSpecParser.parse(SPEC_YAML.replace("  event_time: at\n",
                "  event_time: at\n  max_future: PT5M\n"), "truth.yaml");
        assertThat(limited.data().maxFuture()).contains(Duration.ofMinutes(5));
        Traffic old = Traffic.of("old-", T0, 200, 0.5, Calibration.IDENTITY, 21);
        Instant writtenAt = T0.plus(Duration.ofMinutes(55));
        Instant bogus = T0.plus(Duration.ofDays(1000));
        Instant atTheLimit = writtenAt.plus(Duration.ofMinutes(5)); // the next window's start
        Prediction farFuture = Prediction.newBuilder(prediction("bogus", bogus, 0.7, 0.5)).setPredictedAt(writtenAt)
                .build();
        Prediction nearFuture = Prediction.newBuilder(prediction("near", atTheLimit, 0.4, 0.5))
                .setPredictedAt(writtenAt).build();
        String oldWindow = "truth-v1|CHAMPION|" + T0.toEpochMilli();
        String bogusWindow = "truth-v1|CHAMPION|" + bogus.toEpochMilli();

        Map<String, Long> progressBefore = null;
        Map<String, Long> entriesBefore = null;
        for (Instant wallClock : List.of(T0, bogus.plus(Duration.ofDays(1)))) {
            try (Run run = new Run(newDriver(limited, otherStateDir.resolve("at-" + wallClock.toEpochMilli()),
                    Calibration.IDENTITY, wallClock))) {
                run.predictions.pipeKeyValueList(old.sent());
                run.predictions.pipeInput("bogus", farFuture);
                run.predictions.pipeInput("near", nearFuture);
                run.labeled.pipeKeyValueList(old.known().subList(0, 50), writtenAt, Duration.ZERO);
                run.labeled.pipeInput("bogus", outcome("bogus", bogus, 0.7, true), writtenAt.plusSeconds(60));

                assertThat(run.emit()).as("the held-back records are still counted and emitted in their windows")
                        .extracting(OnlineMetrics::getWindowStart).containsExactlyInAnyOrder(T0, atTheLimit, bogus);
                run.emit(); // the emission that forgot every window while the progress stood at the bogus time
                assertThat(run.progress()).containsEntry(TruthProcessor.PREDICTIONS_INPUT, atTheLimit.toEpochMilli())
                        .containsEntry(TruthProcessor.LABELED_INPUT, T0.toEpochMilli());
                assertThat(run.windows().get(oldWindow)).isNotNull();
                assertThat(run.entriesPerWindow()).containsEntry(oldWindow, 200L).containsEntry(bogusWindow, 1L);

                run.labeled.pipeKeyValueList(old.known().subList(50, old.known().size()), writtenAt, Duration.ZERO);
                List<OnlineMetrics> later = run.emit();
                assertThat(later).singleElement().satisfies(window -> {
                    assertThat(window.getWindowStart()).isEqualTo(T0);
                    assertThat(window.getPredictions()).isEqualTo(200);
                    assertThat(window.getLabeled()).as("the later outcomes still join their window").isEqualTo(100);
                });
                if (progressBefore == null) {
                    progressBefore = run.progress();
                    entriesBefore = run.entriesPerWindow();
                } else {
                    assertThat(run.progress()).as("the same records, another wall clock").isEqualTo(progressBefore);
                    assertThat(run.entriesPerWindow()).isEqualTo(entriesBefore);
                }
            }
        }

        // the same records without max_future: the bogus time moves the progress, the old window is forgotten
        Run unlimited = new Run(driver);
        unlimited.predictions.pipeKeyValueList(old.sent());
        unlimited.predictions.pipeInput("bogus", farFuture);
        unlimited.labeled.pipeKeyValueList(old.known().subList(0, 50), writtenAt, Duration.ZERO);
        unlimited.labeled.pipeInput("bogus", outcome("bogus", bogus, 0.7, true), writtenAt.plusSeconds(60));
        unlimited.emit();
        unlimited.emit();
        assertThat(unlimited.progress()).containsEntry(TruthProcessor.PREDICTIONS_INPUT, bogus.toEpochMilli())
                .containsEntry(TruthProcessor.LABELED_INPUT, bogus.toEpochMilli());
        assertThat(unlimited.windows().get(oldWindow)).isNull();
    }

    /**
     * The watermark is stored: a task restarted after both inputs passed a window's end plus the retention, but
     * before the emission that would forget it, forgets it at its first emission, as the uninterrupted run does
     * (kept only in memory, the restarted task would know no progress and keep the window until new records came).
     */
    @Test
    void aRestartedTaskExpiresAsAnUninterruptedOne() throws Exception {
        PipelineSpec spec = spec();
        Run uninterrupted = new Run(driver);
        Run restarted = new Run(newDriver(spec, otherStateDir.resolve("before"), Calibration.IDENTITY));
        Traffic old = Traffic.of("old-", T0, 600, 0.5, Calibration.IDENTITY, 7);
        Instant later = T0.plus(Duration.ofDays(2));
        for (Run run : List.of(uninterrupted, restarted)) {
            run.predictions.pipeKeyValueList(old.sent());
            run.labeled.pipeKeyValueList(old.known());
            assertThat(run.emit()).hasSize(1);
            run.predictions.pipeInput("late", prediction("late", later, 0.7, 0.5));
            run.labeled.pipeInput("late", outcome("late", later, 0.7, true));
        }
        restarted = restarted.restart(spec, otherStateDir.resolve("after"), Calibration.IDENTITY);
        try {
            String oldWindow = "truth-v1|CHAMPION|" + T0.toEpochMilli();
            assertThat(restarted.windows().get(oldWindow)).isNotNull();
            assertThat(restarted.progress()).isEqualTo(uninterrupted.progress())
                    .containsEntry(TruthProcessor.LABELED_INPUT, later.toEpochMilli());
            OnlineMetrics afterRestart = restarted.emit().get(0);
            OnlineMetrics expected = uninterrupted.emit().get(0);
            assertThat(afterRestart.getWindowStart()).isEqualTo(expected.getWindowStart()).isEqualTo(later);
            assertThat(afterRestart.getMetrics()).isEqualTo(expected.getMetrics());
            restarted.emit();
            uninterrupted.emit();
            assertThat(restarted.windows().get(oldWindow)).isNull();
            assertThat(uninterrupted.windows().get(oldWindow)).isNull();
            assertThat(restarted.entriesPerWindow()).isEqualTo(uninterrupted.entriesPerWindow())
                    .containsOnlyKeys("truth-v1|CHAMPION|" + later.toEpochMilli());
        } finally {
            restarted.close();
        }
    }

    /**
     * One estimate method for a window's whole life: its emitted figures are those of its score bins at every size,
     * below the held-bins limit (bins rebuilt from its entries at each emission) and above it (bins held in memory),
     * so its verdict cannot change because it crossed that size. Before, a window was estimated per prediction up to
     * 10,000 predictions and from bins above.
     */
    @Test
    void aWindowIsEstimatedOneWayBelowAndAboveTheHeldBinsLimit() throws Exception {
        PipelineSpec spec = spec();
        Calibration calibration = new Calibration(1.1, -0.1, 0.004, 0.002, 0.001);
        int n = TruthProcessor.HELD_BINS_LIMIT + 400;
        int first = TruthProcessor.HELD_BINS_LIMIT - 400;
        Traffic traffic = Traffic.of("e", T0, n, 0.5, calibration, 13);
        try (Run run = new Run(newDriver(spec, otherStateDir, calibration))) {
            run.predictions.pipeKeyValueList(traffic.sent().subList(0, first));
            run.labeled.pipeKeyValueList(traffic.known().subList(0, first / 2));
            OnlineMetrics small = run.emit().get(0);
            assertThat(small.getPredictions()).isEqualTo(first);
            assertThat(estimates(small.getMetrics())).isEqualTo(binned(spec, calibration, 0.5, traffic.scores(),
                    traffic.outcomes(), first));

            run.predictions.pipeKeyValueList(traffic.sent().subList(first, n));
            run.labeled.pipeKeyValueList(traffic.known().subList(first / 2, traffic.known().size()));
            OnlineMetrics large = run.emit().get(0);
            assertThat(large.getPredictions()).isEqualTo(n);
            assertThat(estimates(large.getMetrics())).isEqualTo(binned(spec, calibration, 0.5, traffic.scores(),
                    traffic.outcomes(), n));
        }
    }

    /**
     * A window over the held-bins limit whose threshold changes after its bins were built (new predictions decided
     * at 0.37): the bins split at 0.5 are dropped and rebuilt at the new threshold, so the window is estimated and
     * its realised accuracy counted at 0.37, as by a task that saw everything at once.
     */
    @Test
    void aThresholdChangeInABinnedWindowRebuildsItsBins() throws Exception {
        PipelineSpec spec = spec();
        Calibration calibration = new Calibration(1.1, -0.1, 0.004, 0.002, 0.001);
        int n = TruthProcessor.HELD_BINS_LIMIT + 2_000;
        Traffic before = Traffic.of("b", T0, n, 0.5, calibration, 17);
        Traffic after = Traffic.of("a", T0.plus(Duration.ofMinutes(51)), Duration.ofMinutes(8), 1_000,
                0.37, calibration, 19);
        try (Run run = new Run(newDriver(spec, otherStateDir, calibration))) {
            run.predictions.pipeKeyValueList(before.sent());
            run.labeled.pipeKeyValueList(before.known());
            assertThat(estimates(run.emit().get(0).getMetrics())).isEqualTo(binned(spec, calibration, 0.5, before.scores(),
                    before.outcomes(), n));
            run.predictions.pipeKeyValueList(after.sent());
            run.labeled.pipeKeyValueList(after.known());
            OnlineMetrics changed = run.emit().get(0);

            double[] scores = java.util.stream.DoubleStream.concat(java.util.Arrays.stream(before.scores()),
                    java.util.Arrays.stream(after.scores())).toArray();
            Boolean[] outcomes = java.util.stream.Stream.concat(java.util.Arrays.stream(before.outcomes()),
                    java.util.Arrays.stream(after.outcomes())).toArray(Boolean[]::new);
            assertThat(changed.getPredictions()).isEqualTo(n + 1_000);
            assertThat(estimates(changed.getMetrics())).isEqualTo(binned(spec, calibration, 0.37, scores, outcomes,
                    scores.length));
            long correct = 0;
            long labeledCount = 0;
            for (int i = 0; i < scores.length; i++) {
                if (outcomes[i] != null) {
                    labeledCount++;
                    correct += (scores[i] >= 0.37) == outcomes[i] ? 1 : 0;
                }
            }
            assertThat(changed.getMetrics().get("realised_accuracy")).isEqualTo((double) correct / labeledCount);
        }
    }

    /**
     * Predictions and outcomes re-delivered to a window over the held-bins limit (an at-least-once producer, a
     * replay) replace their entries and move their bins' counts, they do not add to them: the figures stay those of
     * the predictions counted once.
     */
    @Test
    void aRedeliveredPredictionInABinnedWindowCountsOnce() throws Exception {
        PipelineSpec spec = spec();
        Calibration calibration = new Calibration(1.1, -0.1, 0.004, 0.002, 0.001);
        int n = TruthProcessor.HELD_BINS_LIMIT + 2_000;
        Traffic traffic = Traffic.of("e", T0, n, 0.5, calibration, 23);
        Map<String, Double> expected = binned(spec, calibration, 0.5, traffic.scores(), traffic.outcomes(), n);
        try (Run run = new Run(newDriver(spec, otherStateDir, calibration))) {
            run.predictions.pipeKeyValueList(traffic.sent());
            run.labeled.pipeKeyValueList(traffic.known());
            Map<String, Double> first = run.emit().get(0).getMetrics();
            assertThat(estimates(first)).isEqualTo(expected);
            // again, after the bins are held: a prediction with its outcome known, then the outcomes again
            run.predictions.pipeKeyValueList(traffic.sent().subList(0, 1_000));
            run.labeled.pipeKeyValueList(traffic.known().subList(0, 500));
            OnlineMetrics again = run.emit().get(0);
            assertThat(again.getPredictions()).isEqualTo(n);
            assertThat(again.getLabeled()).isEqualTo(n / 2);
            // the sequential divergence test too: a re-delivered outcome is tested once
            assertThat(again.getMetrics()).isEqualTo(first);
        }
    }

    /**
     * A restart with a window over the held-bins limit, between two batches of its outcomes: the restarted task
     * rebuilds the window's bins from the restored entries, and its estimates equal those of the uninterrupted run
     * (whose bins were kept in step record by record), to the last bit.
     */
    @Test
    void aRestartWithABinnedWindowGivesTheEstimatesOfAnUninterruptedRun() throws Exception {
        PipelineSpec spec = spec();
        Calibration calibration = new Calibration(1.1, -0.1, 0.004, 0.002, 0.001);
        int n = TruthProcessor.HELD_BINS_LIMIT + 2_000;
        Traffic traffic = Traffic.of("e", T0, n, 0.5, calibration, 29);
        int half = traffic.known().size() / 2;
        Run uninterrupted = new Run(newDriver(spec, stateDir.resolve("uninterrupted"), calibration));
        Run restarted = new Run(newDriver(spec, otherStateDir.resolve("before"), calibration));
        try {
            for (Run run : List.of(uninterrupted, restarted)) {
                run.predictions.pipeKeyValueList(traffic.sent());
                run.emit();
                run.labeled.pipeKeyValueList(traffic.known().subList(0, half));
                assertThat(run.emit().get(0).getLabeled()).isEqualTo(half);
            }
            restarted = restarted.restart(spec, otherStateDir.resolve("after"), calibration);
            for (Run run : List.of(uninterrupted, restarted)) {
                run.labeled.pipeKeyValueList(traffic.known().subList(half, traffic.known().size()));
                run.predictions.pipeKeyValueList(traffic.sent().subList(0, 300)); // re-delivered after the restart
            }
            OnlineMetrics expected = uninterrupted.emit().get(0);
            OnlineMetrics actual = restarted.emit().get(0);
            assertThat(actual.getPredictions()).isEqualTo(expected.getPredictions()).isEqualTo(n);
            assertThat(actual.getLabeled()).isEqualTo(expected.getLabeled()).isEqualTo(n / 2);
            assertThat(actual.getMetrics()).isEqualTo(expected.getMetrics());
            // the sequential test too: restored from its changelog, it has seen every outcome once, as the
            // uninterrupted run's has (the re-delivered predictions bring no outcome to test again)
            assertThat(restarted.divergence()).isEqualTo(uninterrupted.divergence());
            assertThat(restarted.divergence().values()).extracting(
                    io.mlcycle.mlcore.monitoring.DivergenceTest::outcomes).containsExactly((long) n / 2);
            assertThat(estimates(actual.getMetrics()))
                    .isEqualTo(binned(spec, calibration, 0.5, traffic.scores(), traffic.outcomes(), n));
        } finally {
            uninterrupted.close();
            restarted.close();
        }
    }

    @Test
    void runsWithoutTaskIdlingUnlessTheDeploymentSetIt() {
        assertThat(TruthTopology.withoutTaskIdling(new Properties()))
                .containsEntry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "-1");
        Properties configured = new Properties();
        configured.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0");
        assertThat(TruthTopology.withoutTaskIdling(configured)).containsEntry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0");
    }
}
