package io.mlcycle.serving;

import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.Lineage;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.mlcore.features.EncodedFeature;
import io.mlcycle.mlcore.features.FeatureEncoder;
import io.mlcycle.mlcore.features.FeatureKind;
import io.mlcycle.mlcore.model.LinearModel;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.spec.FieldSpec;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.SpecException;
import io.mlcycle.platform.config.ConfigSource;
import io.mlcycle.platform.config.PlatformConfig;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** Shared test data: the credit spec, real LinearModel artifacts, registry records and events. */
final class TestFixtures {
    static final Instant T0 = Instant.parse("2025-03-01T12:00:00Z");

    private TestFixtures() {
    }

    static Path specPath() {
        try {
            return Path.of(TestFixtures.class.getResource("/specs/credit.yaml").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    static PipelineSpec spec() {
        try {
            return PipelineSpecParser.parse(specPath());
        } catch (SpecException e) {
            throw new IllegalStateException("the test spec must parse: " + e.getMessage(), e);
        }
    }

    static ServingFeedbackConfig config(PipelineSpec spec, Map<String, String> overrides) {
        Map<String, String> values = new HashMap<>();
        values.put(PlatformConfig.PIPELINE_SPEC, specPath().toString());
        values.put(PlatformConfig.HTTP_PORT, "0");
        values.putAll(overrides);
        return ServingFeedbackConfig.from(PlatformConfig.from(ConfigSource.of(values), 0), spec);
    }

    /**
     * A real logistic artifact over the spec's features: score = sigmoid(intercept + ageWeight * (age - 40) / 10),
     * the categories contributing nothing. Different intercepts give versions that are easy to tell apart.
     */
    static byte[] artifact(PipelineSpec spec, double intercept, double ageWeight) {
        List<EncodedFeature> features = new ArrayList<>();
        for (FieldSpec field : spec.features()) {
            FeatureKind kind = FeatureKind.of(field.type());
            features.add(new EncodedFeature(field.name(), kind, field.values(),
                    field.name().equals("age") ? 40 : 0, field.name().equals("age") ? 10 : 1));
        }
        FeatureEncoder encoder = new FeatureEncoder(features);
        double[] weights = new double[encoder.width()];
        weights[encoder.columns().indexOf("age")] = ageWeight;
        return new LinearModel(encoder, weights, intercept, Map.of("trainer", "test")).toBytes();
    }

    static double expectedScore(double intercept, double ageWeight, int age) {
        double z = intercept + ageWeight * (age - 40) / 10.0;
        return 1.0 / (1.0 + Math.exp(-z));
    }

    static ModelVersion modelVersion(PipelineSpec spec, int number, Stage stage, byte[] artifact, String sha256) {
        Instant now = T0.plusSeconds(number);
        return io.mlcycle.mlcore.registry.ModelSigning.development().sign(ModelVersion.newBuilder()
                .setPipeline(spec.pipeline())
                .setVersion(spec.pipeline() + "-v" + number)
                .setVersionNumber(number)
                .setStage(stage)
                .setHistory(List.of())
                .setArtifactFormat(LinearModel.FORMAT_ID)
                .setArtifact(ByteBuffer.wrap(artifact))
                .setArtifactSha256(sha256)
                .setArtifactSizeBytes(artifact.length)
                .setLineage(Lineage.newBuilder()
                        .setDataset(List.of())
                        .setSpecSha256(spec.sha256())
                        .setCodeVersion("test")
                        .setTrainer("logistic_regression")
                        .setSeed(42)
                        .setTrainedAt(now)
                        .setTrainingDurationMs(1)
                        .setRunId("run-" + number)
                        .setTriggerId("trigger-" + number)
                        .setTriggerReason(TriggerReason.MANUAL)
                        .setTrainExamples(100)
                        .setHoldoutExamples(20)
                        .build())
                .setOfflineMetrics(Map.of("roc_auc", 0.8 + number / 100.0))
                .setBaselineMetrics(Map.of())
                .setGateReport(List.of())
                .setGatesPassed(true)
                .setReferenceProfile(DataProfile.newBuilder().setRecordCount(0).setFeatures(List.of()).build())
                .setDecisionThreshold(spec.objective().decisionThreshold())
                .setCreatedAt(now)
                .setUpdatedAt(now)
                .build());
    }

    /** A version in any stage whose declared SHA-256 matches its artifact. */
    static ModelVersion version(PipelineSpec spec, int number, Stage stage, double intercept) {
        byte[] artifact = artifact(spec, intercept, 1.0);
        return modelVersion(spec, number, stage, artifact, ModelArtifacts.sha256(artifact));
    }

    /** A champion version whose declared SHA-256 matches its artifact. */
    static ModelVersion champion(PipelineSpec spec, int number, double intercept) {
        byte[] artifact = artifact(spec, intercept, 1.0);
        return modelVersion(spec, number, Stage.CHAMPION, artifact, ModelArtifacts.sha256(artifact));
    }

    static GenericRecord event(PipelineSpec spec, String applicationId, int age, double income, String employment,
                               Instant appliedAt) {
        GenericRecord record = new GenericData.Record(spec.dataSchema());
        record.put("application_id", applicationId);
        record.put("applied_at", appliedAt.toEpochMilli());
        record.put("age", age);
        record.put("income", income);
        record.put("employment", employment);
        return record;
    }
}
