package io.mlcycle.orchestrator;

import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.GateCheck;
import io.mlcycle.avro.LabeledExample;
import io.mlcycle.avro.Lineage;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TrainingTrigger;
import io.mlcycle.mlcore.eval.BinaryMetrics;
import io.mlcycle.mlcore.eval.ClassPriorBaseline;
import io.mlcycle.mlcore.eval.Evaluation;
import io.mlcycle.mlcore.eval.LatencyProbe;
import io.mlcycle.mlcore.eval.PromotionGates;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.model.Scorer;
import io.mlcycle.mlcore.monitoring.FlaggedLabelPolicy;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.TrainingSpec;
import io.mlcycle.mlcore.train.Example;
import io.mlcycle.mlcore.train.TimeOrderedSplit;
import io.mlcycle.mlcore.train.TrainedModel;
import io.mlcycle.mlcore.train.Trainer;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One training run as a pure computation: labeled examples, the spec and the current champion in; a registered
 * CANDIDATE {@link ModelVersion} out, with its artifact, lineage, offline metrics, baseline and champion metrics on
 * the same time-ordered holdout, the gate report, and the training data's reference profile. No Kafka here.
 *
 * <p>Steps: map to ml-core examples; split by time (the newest {@code holdout_fraction} is held out); train the spec's
 * trainer with its hyper-parameters and seed; score the holdout with the candidate, the class-prior baseline (fitted
 * on the training part) and the champion; measure scoring latency; apply ml-core's {@link PromotionGates}. Examples
 * whose label the feedback join flagged as suspect are kept, down-weighted or left out of the training part as
 * {@code monitoring.flagged_labels} says, and an informational {@value #FLAGGED_LABELS_GATE} line in the gate report
 * says how many there were.
 */
public final class TrainingRunner {

    /** Name of the informational gate-report line about flagged labels. */
    public static final String FLAGGED_LABELS_GATE = "flagged_labels";

    private static final Logger LOG = LoggerFactory.getLogger(TrainingRunner.class);

    /** Receives progress as the run moves through its phases. */
    @FunctionalInterface
    public interface Progress {
        void report(RunStatus status, double progress, String message);

        Progress NONE = (status, progress, message) -> { };
    }

    /**
     * What a run knows besides its data.
     *
     * @param runId         the run's id
     * @param trigger       the trigger that caused it
     * @param versionNumber the number the candidate gets
     * @param codeVersion   code version for lineage
     * @param schemaIds     schema ids in use, by subject
     */
    public record RunContext(String runId, TrainingTrigger trigger, int versionNumber, String codeVersion,
                             Map<String, Integer> schemaIds) {
        public RunContext {
            Objects.requireNonNull(runId, "runId");
            Objects.requireNonNull(trigger, "trigger");
            Objects.requireNonNull(codeVersion, "codeVersion");
            schemaIds = schemaIds == null ? Map.of() : Map.copyOf(schemaIds);
            if (versionNumber < 1) {
                throw new IllegalArgumentException("versionNumber must be >= 1");
            }
        }
    }

    /**
     * A run's outcome.
     *
     * @param candidate       the version, stage CANDIDATE, gate report filled
     * @param trainExamples   examples in the training part
     * @param holdoutExamples examples in the holdout
     * @param gates           the gate checks (also in the candidate)
     * @param gatesPassed     whether every gate passed
     */
    public record RunResult(ModelVersion candidate, int trainExamples, int holdoutExamples, List<GateCheck> gates,
                            boolean gatesPassed) {
        public RunResult {
            Objects.requireNonNull(candidate, "candidate");
            gates = List.copyOf(gates);
        }
    }

    private final PipelineSpec spec;
    private final Clock clock;
    private final PromotionGates promotionGates;
    /** The spec's slices and rule baseline, compiled once at start. */
    private final io.mlcycle.mlcore.eval.SpecEvaluation specEvaluation;

    /** The spec this runner trains by. */
    public PipelineSpec spec() {
        return spec;
    }

    public TrainingRunner(PipelineSpec spec, Clock clock) {
        this.spec = Objects.requireNonNull(spec, "spec");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.promotionGates = new PromotionGates(spec);
        this.specEvaluation = io.mlcycle.mlcore.eval.SpecEvaluation.compile(spec);
    }

    /**
     * Trains and evaluates.
     *
     * @param labeled  the dataset's records
     * @param dataset  the offset ranges they were read from (lineage)
     * @param champion the current champion, compared on the same holdout
     * @throws UnusableDatasetException when the data cannot make a model (too few examples, one class), with a
     *                                   message saying so
     */
    public RunResult run(List<LabeledExample> labeled, List<OffsetRange> dataset, RunContext context,
                         Optional<ModelVersion> champion, Progress progress) {
        Instant startedAt = clock.instant();
        long started = System.nanoTime();
        TrainingSpec training = spec.training();
        List<Example> recorded = labeled.stream()
                .filter(e -> spec.pipeline().equals(e.getPipeline()))
                .map(ExampleMapper::toExample)
                .toList();
        List<Example> examples = training.maxExamples().isPresent()
                ? TimeOrderedSplit.newest(recorded, training.maxExamples().getAsInt())
                : recorded;
        if (examples.size() < 2) {
            throw new UnusableDatasetException("the dataset has " + examples.size()
                    + " labeled example(s) of pipeline " + spec.pipeline() + "; at least 2 are needed");
        }
        TimeOrderedSplit.Split split = TimeOrderedSplit.split(examples, training.holdoutFraction());
        FlaggedLabelPolicy.Applied flagged = applyFlaggedLabelPolicy(labeled, split.training());
        List<Example> train = flagged.examples();
        List<Example> holdout = split.holdout();
        requireBothClasses("training part", train);
        requireBothClasses("holdout", holdout);

        progress.report(RunStatus.TRAINING, 0.4, "training " + training.trainer() + " on " + train.size()
                + " examples (" + holdout.size() + " newest held out)");
        Trainer trainer = trainer(training.trainer());
        TrainedModel model = trainer.train(train, training.hyperparameters(), training.seed());

        progress.report(RunStatus.EVALUATING, 0.7, "evaluating on " + holdout.size()
                + " held-out examples against the class-prior baseline"
                + champion.map(c -> " and champion " + c.getVersion()).orElse(""));
        boolean[] labels = new boolean[holdout.size()];
        double[] candidateScores = new double[holdout.size()];
        List<Map<String, Object>> holdoutFeatures = new ArrayList<>(holdout.size());
        for (int i = 0; i < holdout.size(); i++) {
            Example example = holdout.get(i);
            labels[i] = example.label();
            candidateScores[i] = model.scorer().score(example.features());
            holdoutFeatures.add(example.features());
        }
        ClassPriorBaseline baseline = ClassPriorBaseline.fit(train);
        double[] baselineScores = baseline.scores(holdout.size());
        ChampionScores championScores = champion.map(c -> scoreChampion(c, holdout))
                .orElse(ChampionScores.NONE);
        double latencyP99Micros = LatencyProbe.p99Micros(model.scorer(), holdoutFeatures);
        Evaluation evaluation = promotionGates.evaluate(labels, candidateScores, baselineScores,
                championScores.scores(), latencyP99Micros, model.artifactSize());

        List<String> featureNames = io.mlcycle.mlcore.features.FeatureDefinition.fromSpec(spec).stream()
                .map(io.mlcycle.mlcore.features.FeatureDefinition::name).toList();
        io.mlcycle.mlcore.eval.SimpleRuleBaseline rule = io.mlcycle.mlcore.eval.SimpleRuleBaseline.fit(train,
                featureNames, 0.01);
        double[] ruleScores = rule.scores(holdout);
        io.mlcycle.mlcore.eval.BinaryMetrics ruleMetrics = io.mlcycle.mlcore.eval.BinaryMetrics.compute(labels,
                ruleScores, spec.objective().decisionThreshold());
        List<GateCheck> gates = new ArrayList<>();
        evaluation.gates().checks().forEach(check -> gates.add(toAvro(check)));
        gates.add(1, toAvro(promotionGates.beatsSimpleRule(labels, candidateScores, ruleScores,
                evaluation.baseline().rocAuc(), rule.describe())));
        Optional<BinaryMetrics> specRuleMetrics = Optional.empty();
        if (specEvaluation.hasRule()) {
            double[] specRuleScores = specEvaluation.ruleScores(holdoutFeatures);
            specRuleMetrics = Optional.of(BinaryMetrics.compute(labels, specRuleScores,
                    spec.objective().decisionThreshold()));
            gates.add(2, toAvro(promotionGates.beatsSpecRule(labels, candidateScores, specRuleScores,
                    evaluation.baseline().rocAuc(), specEvaluation.ruleText().orElseThrow())));
        }
        championScores.problem().ifPresent(problem -> gates.add(1,
                StagePlanner.held(champion.orElseThrow().getVersion(), problem)));
        // Informational (always passes): how many training labels the feedback join flagged, and what was done.
        gates.add(new GateCheck(FLAGGED_LABELS_GATE, (double) flagged.flagged(), null, true, flagged.describe()));
        boolean passed = gates.stream().allMatch(GateCheck::getPassed);

        Instant trainedAt = clock.instant();
        Lineage lineage = Lineage.newBuilder()
                .setDataset(dataset)
                .setSchemaIds(new TreeMap<>(context.schemaIds()))
                .setSpecSha256(spec.sha256())
                .setCodeVersion(context.codeVersion())
                .setTrainer(model.trainer())
                .setHyperparameters(new TreeMap<>(model.hyperparameters()))
                .setSeed(model.seed())
                .setTrainedAt(trainedAt)
                .setTrainingDurationMs(model.trainingDuration().toMillis())
                .setRunId(context.runId())
                .setTriggerId(context.trigger().getTriggerId())
                .setTriggerReason(context.trigger().getReason())
                .setTrainExamples((long) train.size())
                .setHoldoutExamples((long) holdout.size())
                .setHoldoutStartEventTime(holdout.isEmpty() ? null : holdout.get(0).eventTimeMillis())
                .setParentVersion(champion.map(ModelVersion::getVersion).orElse(null))
                .setMaxExamples(training.maxExamples().isPresent() ? training.maxExamples().getAsInt() : null)
                .build();
        Map<String, Map<String, Double>> baselineMetrics = new TreeMap<>();
        baselineMetrics.put(ClassPriorBaseline.NAME, metrics(evaluation.baseline()));
        baselineMetrics.put("simple_rule", metrics(ruleMetrics));
        Map<String, Double> offline = metrics(evaluation.candidate());
        offline.put("latency_p99_ms", latencyP99Micros / 1000.0);
        // Platt calibration on the holdout, stored with the version: serving's performance estimate before outcomes
        // (CBPE) reads the scores through it.
        offline.putAll(io.mlcycle.mlcore.monitoring.Calibration.fitPlatt(
                holdout.stream().map(io.mlcycle.mlcore.train.Example::label).collect(java.util.stream.Collectors
                        .collectingAndThen(java.util.stream.Collectors.toList(), TrainingRunner::toArray)),
                holdout.stream().mapToDouble(e -> model.scorer().score(e.features())).toArray()).toMetrics());
        double lift = evaluation.candidate().rocAuc() - evaluation.baseline().rocAuc();
        if (lift > 0) {
            offline.put("simple_rule_lift_share", (ruleMetrics.rocAuc() - evaluation.baseline().rocAuc()) / lift);
        }

        specRuleMetrics.ifPresent(m -> {
            baselineMetrics.put(io.mlcycle.mlcore.eval.SpecEvaluation.SPEC_RULE, metrics(m));
            double share = PromotionGates.liftShare(evaluation.candidate().rocAuc(), m.rocAuc(),
                    evaluation.baseline().rocAuc());
            if (Double.isFinite(share)) {
                offline.put("spec_rule_lift_share", share);
            }
        });

        byte[] artifact = model.artifact();
        ModelVersion candidate = ModelVersion.newBuilder()
                .setPipeline(spec.pipeline())
                .setVersion(ModelRegistry.versionId(spec.pipeline(), context.versionNumber()))
                .setVersionNumber(context.versionNumber())
                .setStage(Stage.CANDIDATE)
                .setHistory(List.of(StagePlanner.registered(trainedAt, context.runId())))
                .setArtifactFormat(model.formatId())
                .setArtifact(ByteBuffer.wrap(artifact))
                .setArtifactSha256(model.sha256())
                .setArtifactSizeBytes((long) artifact.length)
                .setLineage(lineage)
                .setOfflineMetrics(offline)
                .setBaselineMetrics(baselineMetrics)
                .setChampionMetrics(evaluation.champion().map(TrainingRunner::metrics).orElse(null))
                .setSliceMetrics(specEvaluation.sliceMetrics(holdoutFeatures, labels, candidateScores))
                .setGateReport(gates)
                .setGatesPassed(passed)
                .setReferenceProfile(referenceProfile(train))
                .setDecisionThreshold(spec.objective().decisionThreshold())
                .setCreatedAt(startedAt)
                .setUpdatedAt(trainedAt)
                .build();
        LOG.debug("Run {} evaluated in {} ms: gates {}", context.runId(), (System.nanoTime() - started) / 1_000_000,
                passed ? "passed" : "failed");
        return new RunResult(candidate, train.size(), holdout.size(), gates, passed);
    }

    /**
     * Trains again exactly as a run would (same mapping, max_examples trimming, time-ordered split, trainer,
     * hyper-parameters and seed) and returns the model only: for reproducing a version from its recorded offsets.
     */
    public io.mlcycle.mlcore.train.TrainedModel retrain(List<LabeledExample> labeled) {
        TrainingSpec training = spec.training();
        List<Example> recorded = labeled.stream()
                .filter(e -> spec.pipeline().equals(e.getPipeline()))
                .map(ExampleMapper::toExample)
                .toList();
        List<Example> examples = training.maxExamples().isPresent()
                ? TimeOrderedSplit.newest(recorded, training.maxExamples().getAsInt())
                : recorded;
        if (examples.size() < 2) {
            throw new UnusableDatasetException("the dataset has " + examples.size() + " labeled example(s)");
        }
        List<Example> train = applyFlaggedLabelPolicy(labeled,
                TimeOrderedSplit.split(examples, training.holdoutFraction()).training()).examples();
        return trainer(training.trainer()).train(train, training.hyperparameters(), training.seed());
    }

    /**
     * The spec's {@code monitoring.flagged_labels} policy on the training part: an example is flagged when the
     * feedback join marked its record {@code label_suspect}. The holdout is left as observed.
     */
    private FlaggedLabelPolicy.Applied applyFlaggedLabelPolicy(List<LabeledExample> labeled, List<Example> train) {
        Set<String> suspect = new HashSet<>();
        for (LabeledExample example : labeled) {
            if (example.getLabelSuspect()) {
                suspect.add(example.getEventId());
            }
        }
        return spec.monitoring().flaggedLabels().apply(train, example -> suspect.contains(example.eventId()));
    }

    /** The SHA-256 of the spec this runner trains with. */
    public String specSha256() {
        return spec.sha256();
    }

    /** The trainer the spec names. */
    private Trainer trainer(String name) {
        return io.mlcycle.mlcore.train.Trainers.forName(name, spec);
    }

    /** The champion's scores on the holdout, or why there are none. */
    private record ChampionScores(double[] scores, Optional<String> problem) {
        static final ChampionScores NONE = new ChampionScores(null, Optional.empty());
    }

    private static ChampionScores scoreChampion(ModelVersion champion, List<Example> holdout) {
        try {
            byte[] bytes = bytes(champion.getArtifact());
            String sha = ModelArtifacts.sha256(bytes);
            if (!sha.equals(champion.getArtifactSha256())) {
                return new ChampionScores(null, Optional.of("its artifact SHA-256 " + sha
                        + " does not match the registered " + champion.getArtifactSha256()));
            }
            Scorer scorer = ModelArtifacts.load(bytes);
            double[] scores = new double[holdout.size()];
            for (int i = 0; i < holdout.size(); i++) {
                scores[i] = scorer.score(holdout.get(i).features());
            }
            return new ChampionScores(scores, Optional.empty());
        } catch (RuntimeException e) {
            LOG.warn("Champion {} cannot score the holdout: {}", champion.getVersion(), e.getMessage());
            return new ChampionScores(null, Optional.of(e.getMessage()));
        }
    }

    private static byte[] bytes(ByteBuffer buffer) {
        ByteBuffer copy = buffer.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }

    private static Map<String, Double> metrics(BinaryMetrics metrics) {
        return new LinkedHashMap<>(metrics.toMap());
    }

    private static GateCheck toAvro(io.mlcycle.mlcore.eval.GateCheck check) {
        return new GateCheck(check.name(), finiteOrNull(check.value()), finiteOrNull(check.threshold()),
                check.passed(), check.explanation());
    }

    private static Double finiteOrNull(double value) {
        return Double.isFinite(value) ? value : null;
    }

    private DataProfile referenceProfile(List<Example> train) {
        return ReferenceProfiles.fromTraining(spec, train);
    }

    private static void requireBothClasses(String part, List<Example> examples) {
        long positives = examples.stream().filter(Example::label).count();
        if (positives == 0 || positives == examples.size()) {
            throw new UnusableDatasetException("the " + part + " has " + examples.size() + " example(s), all "
                    + (positives == 0 ? "negative" : "positive") + "; a model needs both outcomes to learn and to be "
                    + "evaluated (wait for more labeled data)");
        }
    }

    private static boolean[] toArray(java.util.List<Boolean> values) {
        boolean[] array = new boolean[values.size()];
        for (int i = 0; i < array.length; i++) {
            array[i] = values.get(i);
        }
        return array;
    }
}
