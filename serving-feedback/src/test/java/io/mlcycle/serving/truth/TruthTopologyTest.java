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
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
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
        predictions = driver.createInputTopic(Topics.PREDICTIONS.name("truth"),
                serdes.keySerde(Topics.PREDICTIONS).serializer(), serdes.valueSerde(Topics.PREDICTIONS).serializer());
        labeled = driver.createInputTopic(Topics.EXAMPLES_LABELED.name("truth"),
                serdes.keySerde(Topics.EXAMPLES_LABELED).serializer(),
                serdes.valueSerde(Topics.EXAMPLES_LABELED).serializer());
        metrics = driver.createOutputTopic(Topics.MONITORING_METRICS.name("truth"),
                serdes.keySerde(Topics.MONITORING_METRICS).deserializer(),
                serdes.valueSerde(Topics.MONITORING_METRICS).deserializer());
        alerts = driver.createOutputTopic(Topics.MONITORING_ALERTS.name("truth"),
                serdes.keySerde(Topics.MONITORING_ALERTS).deserializer(),
                serdes.valueSerde(Topics.MONITORING_ALERTS).deserializer());
    }

    TopologyTestDriver newDriver(PipelineSpec spec, Path dir, Calibration calibration) {
        TruthTopology.Settings settings = new TruthTopology.Settings(spec, Duration.ofHours(1), Duration.ofDays(1),
                Duration.ofSeconds(10), version -> calibration);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "truth-topology-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.STATE_DIR_CONFIG, dir.toString());
        return new TopologyTestDriver(TruthTopology.buildTopology(settings, serdes), props, T0);
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
     * A window past the per-prediction limit is estimated from its bins: kept in step record by record after its
     * first emission, they give exactly what bins rebuilt from the store give (as after a restart), and close to the
     * per-prediction reconciliation of the same window.
     */
    @Test
    void aLargeWindowIsEstimatedFromBinsKeptInStepWithTheStore() throws Exception {
        PipelineSpec spec = PipelineSpecParser.parse(SPEC_YAML, "truth.yaml");
        Calibration calibration = new Calibration(1.1, -0.1, 0.004, 0.002, 0.001);
        int n = TruthProcessor.EXACT_LIMIT + 2_000;
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
        Map<String, Double> binned = stepped.getMetrics();
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
        assertThat(raised.get(0).getMessage()).contains("realised accuracy")
                .contains("is outside its 95 % interval").contains("P(label | features) changed");
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

    @Test
    void runsWithoutTaskIdlingUnlessTheDeploymentSetIt() {
        assertThat(TruthTopology.withoutTaskIdling(new Properties()))
                .containsEntry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "-1");
        Properties configured = new Properties();
        configured.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0");
        assertThat(TruthTopology.withoutTaskIdling(configured)).containsEntry(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, "0");
    }
}
