package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.DecisionKind;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.Feedback;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OnlineMetrics;
import io.mlcycle.avro.Severity;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.avro.Variant;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.spec.CanarySpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.platform.registry.InMemorySchemaRegistryClient;
import io.mlcycle.platform.serde.AvroSerdeConfig;
import io.mlcycle.platform.serde.PipelineSerdes;
import io.mlcycle.schemas.Topics;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Online metrics, degradation and canary decisions, through the serving topology in the test driver. */
class OnlineMonitorTest {
    private static final PipelineSpec BASE = TestFixtures.spec();
    /** Half the entities to the canary, at least 30 paired outcomes before a promotion. */
    private static final PipelineSpec DIRECT = BASE.withCanary(new CanarySpec(0.5, 30, 0.05, 0.01));
    /** Staged: a shadow stage (40 predictions over at least 30 s of event time), then the canary. */
    private static final PipelineSpec STAGED = BASE.withCanary(new CanarySpec(0.5, 30, 0.05, 0.01)
            .staged(new CanarySpec.ShadowStage(40, Duration.ofSeconds(30)), true));
    private static final PipelineSpec SPEC = DIRECT;
    private static final Duration METRICS_WINDOW = Duration.ofMinutes(5);

    @TempDir
    Path stateDir;

    private ModelRegistryWatcher watcher;
    private TopologyTestDriver driver;
    private TestInputTopic<String, GenericRecord> validated;
    private TestInputTopic<String, Feedback> feedback;
    private TestInputTopic<String, byte[]> rawValidated;
    private TestOutputTopic<String, StageDecision> decisions;
    private TestOutputTopic<String, OnlineMetrics> metrics;
    private TestOutputTopic<String, Alert> alerts;
    private TestOutputTopic<String, TrainingTrigger> triggers;
    private Instant streamTime = TestFixtures.T0;

    private void start(ModelVersion... versions) {
        start(SPEC, versions);
    }

    private void start(PipelineSpec spec, ModelVersion... versions) {
        watcher = new ModelRegistryWatcher(spec, alert -> { }, ServingMetrics.inMemory(SPEC.pipeline()),
                Clock.fixed(TestFixtures.T0, ZoneOffset.UTC), io.mlcycle.mlcore.registry.ModelSigning.development());
        watcher.apply(List.of(versions));
        PipelineSerdes serdes = new PipelineSerdes(new InMemorySchemaRegistryClient(), AvroSerdeConfig.defaults(),
                SPEC.pipeline(), SPEC.dataSchema());
        ServingFeedbackConfig config = TestFixtures.config(spec, Map.of(
                ServingFeedbackConfig.METRICS_WINDOW, METRICS_WINDOW.toString()));
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, "online-monitor-test");
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:9");
        props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
        driver = new TopologyTestDriver(ServingTopology.buildTopology(config, serdes, watcher,
                ServingMetrics.inMemory(SPEC.pipeline())), props, TestFixtures.T0);
        String p = SPEC.pipeline();
        validated = driver.createInputTopic(Topics.DATA_VALIDATED.name(p), new StringSerializer(),
                serdes.valueSerde(Topics.DATA_VALIDATED).serializer());
        rawValidated = driver.createInputTopic(Topics.DATA_VALIDATED.name(p), new StringSerializer(),
                new ByteArraySerializer());
        feedback = driver.createInputTopic(Topics.FEEDBACK.name(p), new StringSerializer(),
                serdes.valueSerde(Topics.FEEDBACK).serializer());
        decisions = driver.createOutputTopic(Topics.MODELS_DECISIONS.name(p), new StringDeserializer(),
                serdes.valueSerde(Topics.MODELS_DECISIONS).deserializer());
        metrics = driver.createOutputTopic(Topics.MONITORING_METRICS.name(p), new StringDeserializer(),
                serdes.valueSerde(Topics.MONITORING_METRICS).deserializer());
        alerts = driver.createOutputTopic(Topics.MONITORING_ALERTS.name(p), new StringDeserializer(),
                serdes.valueSerde(Topics.MONITORING_ALERTS).deserializer());
        triggers = driver.createOutputTopic(Topics.TRAINING_TRIGGERS.name(p), new StringDeserializer(),
                serdes.valueSerde(Topics.TRAINING_TRIGGERS).deserializer());
    }

    @AfterEach
    void tearDown() {
        if (driver != null) {
            driver.close();
        }
    }

    /** A version scoring sigmoid(ageWeight * (age - 40) / 10); the outcome in this test is "age above 40". */
    private static ModelVersion version(int number, Stage stage, double ageWeight, Map<String, Double> offline) {
        byte[] artifact = TestFixtures.artifact(SPEC, 0.0, ageWeight);
        // Signed again after the change, as the orchestrator signs every state it writes.
        return io.mlcycle.mlcore.registry.ModelSigning.development().sign(ModelVersion.newBuilder(
                TestFixtures.modelVersion(SPEC, number, stage, artifact, ModelArtifacts.sha256(artifact)))
                .setOfflineMetrics(offline).build());
    }

    /** Events of {@code entities} distinct applicants, each followed by its outcome, one second apart. */
    private void traffic(String prefix, int entities) {
        for (int i = 0; i < entities; i++) {
            String eventId = prefix + "-" + i;
            int age = 20 + (i * 37) % 45;
            streamTime = streamTime.plusSeconds(1);
            validated.pipeInput(eventId, TestFixtures.event(SPEC, "app-" + prefix + i, age, 1000.0, "employed",
                    streamTime), streamTime);
            feedback.pipeInput(eventId, Feedback.newBuilder().setEventId(eventId).setLabel(age > 40 ? "true" : "false")
                    .setObservedAt(streamTime).setSource("test").build(), streamTime);
        }
    }

    private void advanceStreamTime(Duration by) {
        streamTime = streamTime.plus(by);
        rawValidated.pipeInput("tick", null, streamTime);
    }

    /** What the orchestrator does with a decision (StageDecisions), so the test can let serving follow it. */
    private static ModelVersion applied(ModelVersion version, StageDecision decision) {
        return io.mlcycle.mlcore.registry.ModelSigning.development().sign(
                io.mlcycle.mlcore.registry.StageTransitions.transition(version, decision.getToStage(),
                        decision.getDecidedAt(), decision.getDecidedBy(), decision.getEvidence()));
    }

    @Test
    void aBetterCanaryIsPromotedOnOnlineEvidenceOnceForThePipeline() {
        ModelVersion champion = version(1, Stage.CHAMPION, 0.2, Map.of());
        ModelVersion canary = version(2, Stage.CANARY, 4.0, Map.of());
        start(champion, canary);

        traffic("a", 400);

        List<StageDecision> all = decisions.readValuesToList();
        assertThat(all).as("one decision for the whole pipeline").hasSize(1);
        StageDecision decision = all.get(0);
        assertThat(io.mlcycle.mlcore.registry.ModelSigning.development().verify(decision).valid())
                .as("signed for the orchestrator, which applies only signed decisions").isTrue();
        assertThat(decision.getModelVersion()).isEqualTo("credit-v2");
        assertThat(decision.getDecision()).isEqualTo(DecisionKind.PROMOTE);
        assertThat(decision.getFromStage()).isEqualTo(Stage.CANARY);
        assertThat(decision.getToStage()).isEqualTo(Stage.CHAMPION);
        assertThat(decision.getComparedWith()).isEqualTo("credit-v1");
        assertThat(decision.getDecidedBy()).isEqualTo(OnlineMonitor.DECIDED_BY);
        assertThat(decision.getEvidence()).contains("promoted on online evidence").contains("significantly no worse")
                .contains("credit-v1").contains("always-valid p");
        assertThat(decision.getStatistics().get("paired_outcomes")).isGreaterThanOrEqualTo(30.0);
        assertThat(decision.getStatistics().get("p_no_worse")).isLessThan(0.05);
        assertThat(decision.getStatistics().get("mean_brier_difference")).isNegative();
        // The orchestrator applies it; serving follows: the canary is the champion, with no canary left.
        watcher.apply(List.of(applied(canary, decision), io.mlcycle.mlcore.registry.ModelSigning.development().sign(
                io.mlcycle.mlcore.registry.StageTransitions.transition(champion, Stage.RETIRED,
                        decision.getDecidedAt(), "test", "replaced"))));
        assertThat(watcher.models().champion().version()).isEqualTo("credit-v2");
        assertThat(watcher.models().canary()).isNull();
    }

    /** Events of {@code entities} distinct applicants, one second apart, whose outcomes come later. */
    private List<String> eventsOnly(String prefix, int entities) {
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 0; i < entities; i++) {
            String eventId = prefix + "-" + i;
            streamTime = streamTime.plusSeconds(1);
            validated.pipeInput(eventId, TestFixtures.event(SPEC, "app-" + prefix + i, age(i), 1000.0, "employed",
                    streamTime), streamTime);
            ids.add(eventId);
        }
        return ids;
    }

    private void outcomes(List<String> eventIds) {
        for (String eventId : eventIds) {
            int i = Integer.parseInt(eventId.substring(eventId.lastIndexOf('-') + 1));
            streamTime = streamTime.plusSeconds(1);
            feedback.pipeInput(eventId, Feedback.newBuilder().setEventId(eventId)
                    .setLabel(age(i) > 40 ? "true" : "false").setObservedAt(streamTime).setSource("test").build(),
                    streamTime);
        }
    }

    private static int age(int i) {
        return 20 + (i * 37) % 45;
    }

    @Test
    void aPromotionSkippedAsStaleBecauseTheChampionChangedIsDecidedAgainAgainstTheNewChampionOnFreshEvidence() {
        ModelVersion earlier = version(1, Stage.RETIRED, 1.0, Map.of());
        ModelVersion champion = version(2, Stage.CHAMPION, 0.2, Map.of());
        ModelVersion canary = version(3, Stage.CANARY, 4.0, Map.of());
        start(earlier, champion, canary);

        traffic("a", 400);
        StageDecision stale = decisions.readValuesToList().stream().filter(d -> d.getModelVersion()
                .equals("credit-v3")).findFirst().orElseThrow();
        assertThat(stale.getDecision()).isEqualTo(DecisionKind.PROMOTE);
        assertThat(stale.getComparedWith()).isEqualTo("credit-v2");

        // Before the orchestrator reads it, a person rolls the champion back to credit-v1: the orchestrator skips
        // the decision as stale (it compared credit-v3 with credit-v2), so credit-v3 is still CANARY.
        List<String> scoredByTheFormerChampion = eventsOnly("b", 100);
        var signing = io.mlcycle.mlcore.registry.ModelSigning.development();
        watcher.apply(List.of(
                signing.sign(io.mlcycle.mlcore.registry.StageTransitions.transition(champion, Stage.REJECTED,
                        streamTime, "someone", "rolled back by hand")),
                signing.sign(io.mlcycle.mlcore.registry.StageTransitions.transition(earlier, Stage.CHAMPION,
                        streamTime, "someone", "restored by hand"))));
        assertThat(watcher.models().champion().version()).isEqualTo("credit-v1");
        assertThat(watcher.models().canary().version()).isEqualTo("credit-v3");
        outcomes(scoredByTheFormerChampion);
        assertThat(decisions.isEmpty()).as("outcomes of predictions the former champion scored are not evidence "
                + "against the new one").isTrue();

        traffic("c", 400);

        StageDecision fresh = decisions.readValuesToList().stream().filter(d -> d.getModelVersion()
                .equals("credit-v3")).findFirst().orElseThrow(() -> new AssertionError(
                "no new decision on credit-v3 after the champion changed: it would stay CANARY forever"));
        assertThat(fresh.getDecision()).isEqualTo(DecisionKind.PROMOTE);
        assertThat(fresh.getComparedWith()).isEqualTo("credit-v1");
        assertThat(fresh.getEvidence()).contains("champion credit-v1");
        // fresh evidence: only outcomes of the new traffic, scored by credit-v1 (the test began again at 0)
        assertThat(fresh.getStatistics().get("paired_outcomes")).isGreaterThanOrEqualTo(30.0)
                .isLessThanOrEqualTo(400.0);
    }

    @Test
    void aVersionRolledBackAndStagedAgainAgainstTheSameChampionGetsATestOfItsOwn() {
        ModelVersion champion = version(1, Stage.CHAMPION, 4.0, Map.of());
        ModelVersion canary = version(2, Stage.CANARY, -4.0, Map.of());
        start(champion, canary);
        traffic("a", 200);
        StageDecision rollback = decisions.readValuesToList().stream().filter(d -> d.getModelVersion()
                .equals("credit-v2")).findFirst().orElseThrow();
        assertThat(rollback.getDecision()).isEqualTo(DecisionKind.ROLLBACK);

        // The orchestrator applies the rollback; later a person stages credit-v2 again, the champion unchanged.
        var signing = io.mlcycle.mlcore.registry.ModelSigning.development();
        ModelVersion rejected = io.mlcycle.mlcore.registry.StageTransitions.transition(canary, Stage.REJECTED,
                streamTime, "serving-feedback", "rolled back on online evidence");
        watcher.apply(List.of(signing.sign(rejected)));
        ModelVersion again = io.mlcycle.mlcore.registry.StageTransitions.transition(rejected, Stage.CANARY,
                streamTime.plusSeconds(1), "alice", "put into CANARY by alice: try again");
        watcher.apply(List.of(signing.sign(again)));
        assertThat(watcher.models().canary().version()).isEqualTo("credit-v2");

        traffic("b", 200);

        assertThat(decisions.readValuesToList()).as("the earlier stay's decided test does not silence the new one")
                .filteredOn(d -> d.getModelVersion().equals("credit-v2")).singleElement().satisfies(d -> {
                    assertThat(d.getDecision()).isEqualTo(DecisionKind.ROLLBACK);
                    assertThat(d.getStatistics().get("paired_outcomes")).as("fresh evidence only")
                            .isLessThanOrEqualTo(200.0);
                });
    }

    @Test
    void aStoredChallengerStateWithoutItsChampionIsStillReadAndTheNewFormRoundTrips() {
        ChallengerState state = ChallengerState.start("credit-v1", 0.01).paired(-0.2).predicted(5).decide();
        assertThat(ChallengerState.fromBytes(state.toBytes())).isEqualTo(state);
        ChallengerState unknown = ChallengerState.start(null, 0.01).paired(0.1);
        assertThat(ChallengerState.fromBytes(unknown.toBytes())).isEqualTo(unknown);
        byte[] current = state.toBytes();
        byte[] legacy = java.util.Arrays.copyOf(current, 64 + 8 * 3 + 1);
        assertThat(ChallengerState.fromBytes(legacy)).isEqualTo(state.against(null));
    }

    @Test
    void aWorseCanaryIsRolledBackByItselfWithAnAlert() {
        start(version(1, Stage.CHAMPION, 4.0, Map.of()), version(2, Stage.CANARY, -4.0, Map.of()));

        traffic("b", 200);

        assertThat(decisions.readValuesToList()).singleElement().satisfies(d -> {
            assertThat(d.getModelVersion()).isEqualTo("credit-v2");
            assertThat(d.getDecision()).isEqualTo(DecisionKind.ROLLBACK);
            assertThat(d.getToStage()).isEqualTo(Stage.REJECTED);
            assertThat(d.getEvidence()).contains("rolled back on online evidence").contains("significantly worse");
            assertThat(d.getStatistics().get("p_worse")).isLessThan(0.05);
        });
        assertThat(alerts.readValuesToList()).filteredOn(a -> a.getType() == AlertType.DEGRADATION)
                .singleElement().satisfies(a -> assertThat(a.getSubject()).isEqualTo("credit-v2"));
    }

    @Test
    void underTheStagedPolicyAShadowMovesOnToCanaryAfterItsMinimumsAndTheCanaryIsThenTestedAfresh() {
        ModelVersion shadow = version(2, Stage.SHADOW, 4.0, Map.of());
        start(STAGED, version(1, Stage.CHAMPION, 0.2, Map.of()), shadow);

        traffic("s", 20);
        assertThat(decisions.isEmpty()).as("20 predictions over 20 s: below the shadow stage's minimums").isTrue();
        traffic("t", 30);

        StageDecision moved = decisions.readValuesToList().get(0);
        assertThat(moved.getFromStage()).isEqualTo(Stage.SHADOW);
        assertThat(moved.getToStage()).isEqualTo(Stage.CANARY);
        assertThat(moved.getDecision()).isEqualTo(DecisionKind.PROMOTE);
        assertThat(moved.getEvidence()).contains("shadow stage passed").contains("40 predictions");
        assertThat(moved.getStatistics().get("predictions")).isEqualTo(40.0);

        watcher.apply(List.of(applied(shadow, moved)));
        assertThat(watcher.models().canary().version()).isEqualTo("credit-v2");
        traffic("u", 400);
        assertThat(decisions.readValuesToList()).singleElement().satisfies(d -> {
            assertThat(d.getFromStage()).isEqualTo(Stage.CANARY);
            assertThat(d.getToStage()).isEqualTo(Stage.CHAMPION);
        });
    }

    @Test
    void underTheDirectPolicyShadowsAreMonitoredButNeverDecided() {
        start(version(1, Stage.CHAMPION, 4.0, Map.of()), version(2, Stage.SHADOW, -4.0, Map.of()));

        traffic("w", 200);

        assertThat(decisions.isEmpty()).isTrue();
    }

    @Test
    void metricsPerVersionVariantAndWindowWithTheOfflineOnlineGap() {
        start(version(1, Stage.CHAMPION, 4.0, Map.of("roc_auc", 0.9, "brier", 0.05)),
                version(2, Stage.SHADOW, 1.0, Map.of("roc_auc", 0.8)));

        traffic("c", 100);
        assertThat(metrics.isEmpty()).as("the window stays open while its labels may still arrive").isTrue();
        advanceStreamTime(METRICS_WINDOW.plus(Duration.ofMinutes(11)));

        List<OnlineMetrics> emitted = metrics.readValuesToList();
        assertThat(emitted).extracting(OnlineMetrics::getModelVersion, OnlineMetrics::getVariant)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple("credit-v1", Variant.CHAMPION),
                        org.assertj.core.groups.Tuple.tuple("credit-v2", Variant.SHADOW));
        OnlineMetrics champion = emitted.stream().filter(m -> m.getVariant() == Variant.CHAMPION).findFirst()
                .orElseThrow();
        assertThat(champion.getPredictions()).isEqualTo(100);
        assertThat(champion.getLabeled()).isEqualTo(100);
        assertThat(champion.getMetrics()).containsKeys("roc_auc", "log_loss", "brier", "accuracy",
                "calibration_error", "positive_rate", "latency_p50_ms", "latency_p99_ms");
        assertThat(champion.getMetrics().get("roc_auc")).isGreaterThan(0.99);
        assertThat(champion.getOfflineMetrics()).containsEntry("roc_auc", 0.9);
        assertThat(champion.getOfflineOnlineGap().get("roc_auc"))
                .isCloseTo(champion.getMetrics().get("roc_auc") - 0.9, org.assertj.core.data.Offset.offset(1e-12));
        assertThat(champion.getWindowEnd().toEpochMilli() - champion.getWindowStart().toEpochMilli())
                .isEqualTo(METRICS_WINDOW.toMillis());
        assertThat(champion.getTaskPartition()).as("one record for the whole pipeline").isNull();
        assertThat(triggers.isEmpty()).as("a champion doing as well as offline raises nothing").isTrue();
    }

    @Test
    void aChampionSignificantlyWorseOnlineThanOfflineRaisesADegradationAlertAndTrigger() {
        start(version(1, Stage.CHAMPION, 0.3, Map.of("brier", 0.02)));

        traffic("d", 100);
        advanceStreamTime(METRICS_WINDOW.plus(Duration.ofMinutes(11)));

        assertThat(alerts.readValuesToList()).filteredOn(a -> a.getType() == AlertType.DEGRADATION)
                .singleElement().satisfies(a -> {
                    assertThat(a.getSeverity()).isEqualTo(Severity.CRITICAL);
                    assertThat(a.getMessage()).contains("significantly worse online than offline");
                    assertThat(a.getEvidence()).containsEntry("offline", "0.02");
                });
        assertThat(triggers.readValuesToList()).singleElement().satisfies(t -> {
            assertThat(t.getReason()).isEqualTo(TriggerReason.DEGRADATION);
            assertThat(t.getEvidence()).as("stale for the orchestrator once another version is champion")
                    .containsEntry(io.mlcycle.schemas.TriggerEvidence.CHAMPION_VERSION, "credit-v1");
        });
    }

    @Test
    void buildsTheWindowKeyAsTheFormatDid() {
        for (long start : new long[] {0L, 1L, 900_000L, 1_764_000_000_000L, Long.MAX_VALUE, -900_000L}) {
            assertThat(OnlineMonitor.windowKey(start, Variant.CANARY, "credit-v12"))
                    .isEqualTo(String.format("%019d|%s|%s", start, "CANARY", "credit-v12"));
        }
    }
}
