package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.mlcycle.avro.GateCheck;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.Lineage;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.orchestrator.SyntheticCredit.Concept;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainingRunnerTest {

    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");
    private static final List<OffsetRange> DATASET = List.of(
            new OffsetRange("credit.examples.labeled", 0, 0L, 400L),
            new OffsetRange("credit.examples.labeled", 1, 0L, 400L));

    private static PipelineSpec spec;
    private static TrainingRunner runner;

    @BeforeAll
    static void parseSpec() throws Exception {
        spec = PipelineSpecParser.parse(Path.of(TrainingRunnerTest.class.getResource("/specs/credit-test.yaml").toURI()));
        runner = new TrainingRunner(spec, Clock.fixed(NOW, ZoneOffset.UTC));
    }

    @Test
    void theSpecRuleIsABaselineWithItsGateAndLiftShareAndSlicesGetTheirOwnMetrics() throws Exception {
        PipelineSpec evalSpec = PipelineSpecParser.parse(
                Path.of(TrainingRunnerTest.class.getResource("/specs/credit-eval.yaml").toURI()));
        TrainingRunner.RunResult result = new TrainingRunner(evalSpec, Clock.fixed(NOW, ZoneOffset.UTC)).run(
                SyntheticCredit.examples(800, Concept.LEARNABLE, 1, 0), DATASET, context(1, "run-e"),
                Optional.empty(), TrainingRunner.Progress.NONE);
        ModelVersion candidate = result.candidate();

        assertThat(candidate.getGateReport()).extracting(GateCheck::getName).containsExactly("beats_baseline",
                "beats_simple_rule", "beats_spec_rule", "latency_p99", "artifact_size", "flagged_labels");
        GateCheck specRule = candidate.getGateReport().get(2);
        assertThat(specRule.getExplanation()).contains("the spec's rule (age < 30 || employment == 'unemployed')")
                .contains("of the candidate's ROC AUC lift");
        Map<String, Double> rule = candidate.getBaselineMetrics().get("spec_rule");
        assertThat(rule.get("roc_auc")).isBetween(0.5, candidate.getOfflineMetrics().get("roc_auc"));
        double prior = candidate.getBaselineMetrics().get("class_prior").get("roc_auc");
        assertThat(candidate.getOfflineMetrics().get("spec_rule_lift_share")).isCloseTo(
                (rule.get("roc_auc") - prior) / (candidate.getOfflineMetrics().get("roc_auc") - prior),
                org.assertj.core.data.Offset.offset(1e-12));
        assertThat(specRule.getPassed()).isEqualTo(specRule.getValue() > 0 && specRule.getExplanation()
                .contains(" < 0.05"));

        assertThat(candidate.getSliceMetrics()).containsOnlyKeys("young", "unemployed");
        Map<String, Double> young = candidate.getSliceMetrics().get("young");
        assertThat(young.get("n")).isGreaterThan(0).isLessThan(result.holdoutExamples());
        assertThat(young.get("positives")).isLessThanOrEqualTo(young.get("n"));
        assertThat(young).containsKeys("roc_auc", "brier", "accuracy");
        assertThat(candidate.getSliceMetrics().get("unemployed").get("n") + 0).isGreaterThan(0);
    }

    @Test
    void learnableDataGivesAChampionWithFullLineage() {
        List<RunStatus> phases = new ArrayList<>();
        TrainingRunner.RunResult result = runner.run(SyntheticCredit.examples(800, Concept.LEARNABLE, 1, 0), DATASET,
                context(1, "run-a"), Optional.empty(), (status, progress, message) -> phases.add(status));

        assertThat(phases).containsExactly(RunStatus.TRAINING, RunStatus.EVALUATING);
        assertThat(result.gatesPassed()).as(explain(result)).isTrue();
        assertThat(result.trainExamples()).isEqualTo(640);
        assertThat(result.holdoutExamples()).isEqualTo(160);

        ModelVersion candidate = result.candidate();
        assertThat(candidate.getVersion()).isEqualTo("credit-v1");
        assertThat(candidate.getStage()).isEqualTo(Stage.CANDIDATE);
        assertThat(candidate.getArtifactSha256()).isEqualTo(ModelArtifacts.sha256(candidate.getArtifact().array()));
        assertThat(candidate.getArtifactSizeBytes()).isEqualTo(candidate.getArtifact().remaining());
        assertThat(candidate.getArtifactFormat()).isEqualTo("mlcycle.logistic.v1");
        assertThat(candidate.getOfflineMetrics().get("roc_auc")).isGreaterThan(0.8);
        assertThat(candidate.getBaselineMetrics()).containsKey("class_prior");
        assertThat(candidate.getBaselineMetrics().get("class_prior").get("roc_auc")).isEqualTo(0.5);
        assertThat(candidate.getChampionMetrics()).isNull();
        assertThat(candidate.getGateReport()).extracting(GateCheck::getName)
                .containsExactly("beats_baseline", "beats_simple_rule", "latency_p99", "artifact_size",
                        TrainingRunner.FLAGGED_LABELS_GATE);
        assertThat(candidate.getBaselineMetrics()).containsKey("simple_rule");
        assertThat(candidate.getGateReport().get(1).getExplanation()).contains("of the candidate's ROC AUC lift");
        assertThat(candidate.getOfflineMetrics()).containsKey("simple_rule_lift_share");
        assertThat(candidate.getReferenceProfile().getRecordCount()).isEqualTo(640);
        assertThat(candidate.getReferenceProfile().getFeatures()).extracting(f -> f.getName())
                .containsExactly("age", "income", "employment");
        assertThat(candidate.getDecisionThreshold()).isEqualTo(0.5);

        Lineage lineage = candidate.getLineage();
        assertThat(lineage.getDataset()).isEqualTo(DATASET);
        assertThat(lineage.getSchemaIds()).containsEntry("credit.examples.labeled-value", 7);
        assertThat(lineage.getSpecSha256()).isEqualTo(spec.sha256()).hasSize(64);
        assertThat(lineage.getCodeVersion()).isEqualTo("test");
        assertThat(lineage.getTrainer()).isEqualTo("logistic_regression");
        assertThat(lineage.getHyperparameters()).containsEntry("epochs", "20").containsEntry("learning_rate", "0.05");
        assertThat(lineage.getSeed()).isEqualTo(42L);
        assertThat(lineage.getTrainedAt()).isEqualTo(NOW);
        assertThat(lineage.getRunId()).isEqualTo("run-a");
        assertThat(lineage.getTriggerId()).isEqualTo("trigger-run-a");
        assertThat(lineage.getTriggerReason()).isEqualTo(TriggerReason.BOOTSTRAP);
        assertThat(lineage.getTrainExamples()).isEqualTo(640L);
        assertThat(lineage.getHoldoutExamples()).isEqualTo(160L);
        assertThat(lineage.getHoldoutStartEventTime())
                .isEqualTo(SyntheticCredit.START.plusSeconds(60L * 640).toEpochMilli());
        assertThat(lineage.getParentVersion()).isNull();

        StagePlanner.RegistryUpdate update = StagePlanner.plan(candidate, Optional.empty(), NOW);
        assertThat(update.candidate().getStage()).isEqualTo(Stage.CHAMPION);
        assertThat(update.candidate().getHistory()).extracting(t -> t.getToStage())
                .containsExactly(Stage.CANDIDATE, Stage.CHAMPION);
    }

    @Test
    void trainingIsReproducible() {
        List<LabeledExample> data = SyntheticCredit.examples(500, Concept.LEARNABLE, 3, 0);
        String first = runner.run(data, DATASET, context(1, "r1"), Optional.empty(), TrainingRunner.Progress.NONE)
                .candidate().getArtifactSha256();
        String second = runner.run(data, DATASET, context(2, "r2"), Optional.empty(), TrainingRunner.Progress.NONE)
                .candidate().getArtifactSha256();
        assertThat(second).isEqualTo(first);
    }

    @Test
    void pureNoiseIsRejectedBecauseItDoesNotBeatTheBaseline() {
        TrainingRunner.RunResult result = runner.run(SyntheticCredit.examples(800, Concept.NOISE, 2, 0), DATASET,
                context(2, "run-noise"), Optional.empty(), TrainingRunner.Progress.NONE);

        assertThat(result.gatesPassed()).isFalse();
        GateCheck beats = gate(result, "beats_baseline");
        assertThat(beats.getPassed()).isFalse();
        assertThat(beats.getExplanation()).contains("class-prior baseline");

        StagePlanner.RegistryUpdate update = StagePlanner.plan(result.candidate(), Optional.empty(), NOW);
        assertThat(update.candidate().getStage()).isEqualTo(Stage.REJECTED);
        assertThat(update.alert()).hasValueSatisfying(alert ->
                assertThat(alert.getMessage()).contains("beats_baseline"));
    }

    @Test
    void aWorseCandidateFailsNonInferiorityAgainstAStrongChampion() {
        // The champion learnt the full concept; the candidate's training part only shows age mattering, while
        // the holdout (the newest examples) follows the full concept again.
        TrainingRunner.RunResult championRun = runner.run(SyntheticCredit.examples(1000, Concept.LEARNABLE, 4, 0),
                DATASET, context(1, "run-champion"), Optional.empty(), TrainingRunner.Progress.NONE);
        assertThat(championRun.gatesPassed()).as(explain(championRun)).isTrue();
        ModelVersion champion = StagePlanner.plan(championRun.candidate(), Optional.empty(), NOW).candidate();

        List<LabeledExample> data = new ArrayList<>(SyntheticCredit.examples(800, Concept.AGE_ONLY, 5, 0));
        data.addAll(SyntheticCredit.examples(200, Concept.LEARNABLE, 6, 800));
        TrainingRunner.RunResult result = runner.run(data, DATASET, context(2, "run-worse"), Optional.of(champion),
                TrainingRunner.Progress.NONE);

        assertThat(result.candidate().getChampionMetrics()).isNotNull();
        assertThat(result.candidate().getLineage().getParentVersion()).isEqualTo("credit-v1");
        GateCheck nonInferior = gate(result, "non_inferior_to_champion");
        assertThat(nonInferior.getPassed()).as(explain(result)).isFalse();
        assertThat(nonInferior.getExplanation()).contains("champion");
        assertThat(result.candidate().getChampionMetrics().get("roc_auc"))
                .isGreaterThan(result.candidate().getOfflineMetrics().get("roc_auc") + 0.01);
        assertThat(result.gatesPassed()).isFalse();

        StagePlanner.RegistryUpdate update = StagePlanner.plan(result.candidate(), Optional.of(champion), NOW);
        assertThat(update.versions()).as("a rejected candidate leaves the champion alone").hasSize(1);
        assertThat(update.candidate().getStage()).isEqualTo(Stage.REJECTED);
    }

    @Test
    void whenTheChampionCannotScoreTheCandidateIsHeldNotPromoted() {
        List<LabeledExample> data = SyntheticCredit.examples(600, Concept.LEARNABLE, 7, 0);
        ModelVersion good = StagePlanner.plan(runner.run(data, DATASET, context(1, "c"), Optional.empty(),
                TrainingRunner.Progress.NONE).candidate(), Optional.empty(), NOW).candidate();
        ModelVersion broken = ModelVersion.newBuilder(good)
                .setArtifact(java.nio.ByteBuffer.wrap("{not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .setArtifactSha256(io.mlcycle.mlcore.model.ModelArtifacts.sha256(
                        "{not a model".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
                .build();

        TrainingRunner.RunResult result = runner.run(data, DATASET, context(2, "held"), Optional.of(broken),
                TrainingRunner.Progress.NONE);

        GateCheck nonInferior = gate(result, "non_inferior_to_champion");
        assertThat(nonInferior.getPassed()).as("held, never passed").isFalse();
        assertThat(nonInferior.getExplanation()).startsWith("held: the champion credit-v1 could not score");
        assertThat(result.gatesPassed()).isFalse();
        StagePlanner.RegistryUpdate update = StagePlanner.plan(result.candidate(), Optional.of(broken), NOW);
        assertThat(update.versions()).as("the champion is left alone").hasSize(1);
        assertThat(update.candidate().getStage()).isEqualTo(Stage.CANDIDATE);
        assertThat(update.alert()).isPresent();
    }

    @Test
    void anEqualCandidatePassesNonInferiorityAndReplacesTheChampion() {
        List<LabeledExample> data = SyntheticCredit.examples(600, Concept.LEARNABLE, 7, 0);
        ModelVersion champion = StagePlanner.plan(runner.run(data, DATASET, context(1, "c"), Optional.empty(),
                TrainingRunner.Progress.NONE).candidate(), Optional.empty(), NOW).candidate();

        TrainingRunner.RunResult again = runner.run(data, DATASET, context(2, "again"), Optional.of(champion),
                TrainingRunner.Progress.NONE);

        assertThat(gate(again, "non_inferior_to_champion").getPassed()).isTrue();
        assertThat(again.gatesPassed()).isTrue();
        StagePlanner.RegistryUpdate update = StagePlanner.plan(again.candidate(), Optional.of(champion), NOW);
        assertThat(update.versions()).extracting(ModelVersion::getVersion, ModelVersion::getStage).containsExactly(
                org.assertj.core.groups.Tuple.tuple("credit-v2", Stage.CHAMPION),
                org.assertj.core.groups.Tuple.tuple("credit-v1", Stage.RETIRED));
    }

    @Test
    void maxExamplesTrainsOnTheNewestExamplesAndSaysSoInTheLineage() throws Exception {
        String yaml = java.nio.file.Files.readString(
                Path.of(TrainingRunnerTest.class.getResource("/specs/credit-test.yaml").toURI()))
                .replace("  min_examples: 300", "  min_examples: 300\n  max_examples: 500");
        TrainingRunner windowed = new TrainingRunner(PipelineSpecParser.parse(yaml, "windowed.yaml"),
                Clock.fixed(NOW, ZoneOffset.UTC));

        TrainingRunner.RunResult result = windowed.run(SyntheticCredit.examples(800, Concept.LEARNABLE, 1, 0), DATASET,
                context(1, "run-window"), Optional.empty(), TrainingRunner.Progress.NONE);

        Lineage lineage = result.candidate().getLineage();
        assertThat(lineage.getMaxExamples()).isEqualTo(500);
        assertThat(lineage.getTrainExamples() + lineage.getHoldoutExamples()).isEqualTo(500);
        // The 300 oldest examples (one a minute from START) are left out, so training starts at the 301st.
        assertThat(result.candidate().getReferenceProfile().getRecordCount()).isEqualTo(lineage.getTrainExamples());
        assertThat(lineage.getHoldoutStartEventTime())
                .isEqualTo(SyntheticCredit.START.plusSeconds(60L * (300 + lineage.getTrainExamples())).toEpochMilli());
    }

    @Test
    void flaggedLabelsAreKeptDownWeightedOrLeftOutOfTheTrainingPartAsTheSpecSaysAndTheGateReportSaysHowMany()
            throws Exception {
        // 40 of the 640 training examples get a wrong label that the feedback join flagged; 10 holdout labels are
        // flagged too (they stay: the holdout keeps every observed label whatever the policy).
        List<LabeledExample> examples = new ArrayList<>();
        List<LabeledExample> clean = SyntheticCredit.examples(800, Concept.LEARNABLE, 1, 0);
        for (int i = 0; i < clean.size(); i++) {
            LabeledExample example = clean.get(i);
            boolean flagged = i % 16 == 0;
            if (flagged && i < 640) {
                boolean wrong = !example.getPositive();
                example = LabeledExample.newBuilder(example).setPositive(wrong).setLabel(Boolean.toString(wrong))
                        .build();
            }
            examples.add(LabeledExample.newBuilder(example).setLabelSuspect(flagged).build());
        }
        Map<String, TrainingRunner.RunResult> results = new java.util.LinkedHashMap<>();
        for (String policy : List.of("keep", "down_weight", "exclude")) {
            String yaml = java.nio.file.Files.readString(
                    Path.of(TrainingRunnerTest.class.getResource("/specs/credit-test.yaml").toURI()))
                    + "monitoring:\n  flagged_labels: " + policy + "\n";
            TrainingRunner withPolicy = new TrainingRunner(PipelineSpecParser.parse(yaml, policy + ".yaml"),
                    Clock.fixed(NOW, ZoneOffset.UTC));
            results.put(policy, withPolicy.run(examples, DATASET, context(1, "run-" + policy), Optional.empty(),
                    TrainingRunner.Progress.NONE));
        }

        TrainingRunner.RunResult keep = results.get("keep");
        TrainingRunner.RunResult down = results.get("down_weight");
        TrainingRunner.RunResult exclude = results.get("exclude");
        assertThat(keep.trainExamples()).isEqualTo(640);
        assertThat(down.trainExamples()).isEqualTo(640);
        assertThat(exclude.trainExamples()).isEqualTo(600);
        assertThat(exclude.candidate().getLineage().getTrainExamples()).isEqualTo(600L);
        assertThat(List.of(keep, down, exclude)).allSatisfy(r -> assertThat(r.holdoutExamples()).isEqualTo(160));
        for (TrainingRunner.RunResult result : results.values()) {
            GateCheck line = gate(result, TrainingRunner.FLAGGED_LABELS_GATE);
            assertThat(line.getPassed()).isTrue();
            assertThat(line.getValue()).isEqualTo(40.0);
            assertThat(line.getExplanation()).startsWith("40 of 640 training examples (6.3 %)");
        }
        assertThat(gate(keep, TrainingRunner.FLAGGED_LABELS_GATE).getExplanation()).contains("kept with full weight");
        assertThat(gate(down, TrainingRunner.FLAGGED_LABELS_GATE).getExplanation()).contains("weight 0.5");
        assertThat(gate(exclude, TrainingRunner.FLAGGED_LABELS_GATE).getExplanation()).contains("left out");
        // the weights reach the trainer: three different models
        assertThat(List.of(keep, down, exclude)).extracting(r -> r.candidate().getArtifactSha256())
                .doesNotHaveDuplicates();
        // reproducing a version applies the same policy
        TrainingRunner excluding = new TrainingRunner(PipelineSpecParser.parse(java.nio.file.Files.readString(
                Path.of(TrainingRunnerTest.class.getResource("/specs/credit-test.yaml").toURI()))
                + "monitoring:\n  flagged_labels: exclude\n", "exclude.yaml"), Clock.fixed(NOW, ZoneOffset.UTC));
        assertThat(ModelArtifacts.sha256(excluding.retrain(examples).artifact()))
                .isEqualTo(exclude.candidate().getArtifactSha256());
    }

    @Test
    void aDatasetThatCannotMakeAModelIsRefusedWithAReason() {
        assertThatThrownBy(() -> runner.run(SyntheticCredit.examples(1, Concept.LEARNABLE, 1, 0), DATASET,
                context(1, "tiny"), Optional.empty(), TrainingRunner.Progress.NONE))
                .isInstanceOf(UnusableDatasetException.class).hasMessageContaining("at least 2");
    }

    @Test
    void aDatasetWithASingleOutcomeIsRefusedWithAReason() {
        List<LabeledExample> allNegative = SyntheticCredit.examples(200, Concept.LEARNABLE, 5, 0).stream()
                .map(example -> LabeledExample.newBuilder(example).setLabel("false").setPositive(false).build())
                .toList();
        assertThatThrownBy(() -> runner.run(allNegative, DATASET, context(1, "one-class"), Optional.empty(),
                TrainingRunner.Progress.NONE))
                .isInstanceOf(UnusableDatasetException.class)
                .hasMessageContaining("all negative").hasMessageContaining("both outcomes");
    }

    private static TrainingRunner.RunContext context(int version, String runId) {
        TrainingTrigger trigger = TrainingTrigger.newBuilder()
                .setTriggerId("trigger-" + runId)
                .setPipeline("credit")
                .setReason(TriggerReason.BOOTSTRAP)
                .setRequestedBy("test")
                .setRequestedAt(NOW)
                .build();
        return new TrainingRunner.RunContext(runId, trigger, version, "test",
                Map.of("credit.examples.labeled-value", 7));
    }

    private static GateCheck gate(TrainingRunner.RunResult result, String name) {
        return result.gates().stream().filter(g -> g.getName().equals(name)).findFirst().orElseThrow();
    }

    private static String explain(TrainingRunner.RunResult result) {
        return StagePlanner.failedGates(result.gates());
    }
}
