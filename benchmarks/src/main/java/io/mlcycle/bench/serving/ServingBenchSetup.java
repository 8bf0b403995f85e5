package io.mlcycle.bench.serving;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.Lineage;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.cli.demo.CreditApplicationGenerator;
import io.mlcycle.mlcore.features.FeatureDefinition;
import io.mlcycle.mlcore.features.FeatureExtractor;
import io.mlcycle.mlcore.gates.Conversion;
import io.mlcycle.mlcore.gates.JsonRecordConverter;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.train.Example;
import io.mlcycle.mlcore.train.LogisticRegressionTrainer;
import io.mlcycle.mlcore.train.TrainedModel;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the serving benchmarks share: the bundled credit spec, a champion trained on 1,500 seeded applications (as
 * the demo does), its registry record, and one valid request body.
 */
final class ServingBenchSetup {
    static final int TRAINING_APPLICATIONS = 1500;
    private static final ObjectMapper JSON = new ObjectMapper();

    final PipelineSpec spec;
    final TrainedModel model;
    final String requestBody;
    final Map<String, Object> features;

    ServingBenchSetup() throws Exception {
        try (InputStream in = ServingBenchSetup.class.getResourceAsStream("/specs/credit.yaml")) {
            spec = PipelineSpecParser.parse(in.readAllBytes(), "credit.yaml");
        }
        CreditApplicationGenerator generator = new CreditApplicationGenerator(42, 0.0);
        JsonRecordConverter converter = new JsonRecordConverter(spec);
        FeatureExtractor extractor = new FeatureExtractor(spec);
        List<Example> examples = new ArrayList<>();
        Instant t = Instant.parse("2025-01-01T00:00:00Z");
        String body = null;
        Map<String, Object> firstFeatures = null;
        for (int i = 0; i < TRAINING_APPLICATIONS; i++) {
            CreditApplicationGenerator.Application application = generator.next(t.plusSeconds(60L * i), false);
            Map<String, Object> json = new LinkedHashMap<>(application.json());
            json.remove(spec.label().field());
            Conversion conversion = converter.convert(JSON.valueToTree(json));
            if (!conversion.ok() || conversion.record() == null) {
                continue;
            }
            Map<String, Object> features = extractor.features(conversion.record());
            examples.add(new Example("e" + i, features, application.defaulted(), t.plusSeconds(60L * i).toEpochMilli()));
            if (body == null) {
                body = JSON.writeValueAsString(json);
                firstFeatures = features;
            }
        }
        model = new LogisticRegressionTrainer(FeatureDefinition.fromSpec(spec))
                .train(examples, LogisticRegressionTrainer.defaultHyperparameters(), 42);
        requestBody = body;
        features = firstFeatures;
    }

    /** The champion's registry record, as the orchestrator would register and promote it. */
    ModelVersion championRecord() {
        Instant now = Instant.now();
        byte[] artifact = model.artifact();
        return ModelVersion.newBuilder()
                .setPipeline(spec.pipeline())
                .setVersion(spec.pipeline() + "-v1")
                .setVersionNumber(1)
                .setStage(Stage.CHAMPION)
                .setHistory(List.of())
                .setArtifactFormat(model.formatId())
                .setArtifact(ByteBuffer.wrap(artifact))
                .setArtifactSha256(model.sha256())
                .setArtifactSizeBytes(artifact.length)
                .setLineage(Lineage.newBuilder().setDataset(List.of()).setSpecSha256(spec.sha256())
                        .setCodeVersion("bench").setTrainer(model.trainer()).setSeed(42).setTrainedAt(now)
                        .setTrainingDurationMs(1).setRunId("bench").setTriggerId("bench")
                        .setTriggerReason(TriggerReason.MANUAL).setTrainExamples(TRAINING_APPLICATIONS)
                        .setHoldoutExamples(0).build())
                .setOfflineMetrics(Map.of())
                .setBaselineMetrics(Map.of())
                .setGateReport(List.of())
                .setGatesPassed(true)
                .setReferenceProfile(DataProfile.newBuilder().setRecordCount(0).setFeatures(List.of()).build())
                .setDecisionThreshold(spec.objective().decisionThreshold())
                .setCreatedAt(now)
                .setUpdatedAt(now)
                .build();
    }
}
