package io.mlcycle.mlcore.registry;

import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.Lineage;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageTransition;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.mlcore.model.ModelArtifacts;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Unsigned model versions for registry tests. */
final class RegistryFixtures {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private RegistryFixtures() {
    }

    static ModelVersion unsigned(String pipeline, int number, Stage stage, byte[] artifact) {
        Lineage lineage = Lineage.newBuilder()
                .setDataset(List.of(new OffsetRange(pipeline + ".examples.labeled", 0, 0L, 10L * number)))
                .setSpecSha256("abc").setCodeVersion("dev").setTrainer("logistic_regression").setSeed(42L)
                .setTrainedAt(T0).setTrainingDurationMs(5L).setRunId("run-" + number).setTriggerId("t-" + number)
                .setTriggerReason(TriggerReason.MANUAL).setTrainExamples(8L).setHoldoutExamples(2L).build();
        return ModelVersion.newBuilder()
                .setPipeline(pipeline).setVersion(pipeline + "-v" + number).setVersionNumber(number).setStage(stage)
                .setHistory(List.of(new StageTransition(null, stage, T0, "training-orchestrator", "test")))
                .setArtifactFormat("test").setArtifact(ByteBuffer.wrap(artifact))
                .setArtifactSha256(ModelArtifacts.sha256(artifact)).setArtifactSizeBytes(artifact.length)
                .setLineage(lineage).setOfflineMetrics(Map.of("roc_auc", 0.8)).setGateReport(List.of())
                .setGatesPassed(true).setReferenceProfile(new DataProfile(10L, List.of())).setDecisionThreshold(0.5)
                .setCreatedAt(T0).setUpdatedAt(T0.plusSeconds(number)).build();
    }
}
