package io.mlcycle.orchestrator;

import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.GateCheck;
import io.mlcycle.avro.Lineage;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.OffsetRange;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TriggerReason;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Small registry records for unit tests. */
final class Fixtures {

    /** The signing the orchestrator under test uses. */
    static final io.mlcycle.mlcore.registry.ModelSigning SIGNING = io.mlcycle.mlcore.registry.ModelSigning.development();

    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    private Fixtures() {
    }

    static ModelVersion version(String pipeline, int number, Stage stage, List<GateCheck> gates) {
        Lineage lineage = Lineage.newBuilder()
                .setDataset(List.of(new OffsetRange(pipeline + ".examples.labeled", 0, 0L, 10L * number)))
                .setSpecSha256("abc")
                .setCodeVersion("dev")
                .setTrainer("logistic_regression")
                .setSeed(42L)
                .setTrainedAt(T0)
                .setTrainingDurationMs(5L)
                .setRunId("run-" + number)
                .setTriggerId("trigger-" + number)
                .setTriggerReason(TriggerReason.MANUAL)
                .setTrainExamples(8L)
                .setHoldoutExamples(2L)
                .build();
        byte[] artifact = {1, 2, 3};
        return SIGNING.sign(ModelVersion.newBuilder()
                .setPipeline(pipeline)
                .setVersion(ModelRegistry.versionId(pipeline, number))
                .setVersionNumber(number)
                .setStage(stage)
                .setHistory(List.of(StagePlanner.registered(T0, "run-" + number)))
                .setArtifactFormat("test")
                .setArtifact(ByteBuffer.wrap(artifact))
                .setArtifactSha256(io.mlcycle.mlcore.model.ModelArtifacts.sha256(artifact))
                .setArtifactSizeBytes(3L)
                .setLineage(lineage)
                .setOfflineMetrics(Map.of("roc_auc", 0.8))
                .setGateReport(gates)
                .setGatesPassed(gates.stream().allMatch(GateCheck::getPassed))
                .setReferenceProfile(new DataProfile(10L, List.of()))
                .setDecisionThreshold(0.5)
                .setCreatedAt(T0)
                .setUpdatedAt(T0)
                .build());
    }

    static GateCheck gate(String name, boolean passed, String explanation) {
        return new GateCheck(name, 0.7, 0.5, passed, explanation);
    }
}
