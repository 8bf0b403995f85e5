package io.mlcycle.validation;

import io.mlcycle.avro.DataProfile;
import io.mlcycle.avro.Lineage;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.TriggerReason;
import io.mlcycle.mlcore.spec.PipelineSpec;
import io.mlcycle.mlcore.spec.PipelineSpecParser;
import io.mlcycle.mlcore.spec.SpecException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Random;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;

/** The small pipeline the validation tests use, with records drawn from a known distribution. */
final class TestPipeline {

    static final String NAME = "loans";

    private TestPipeline() {
    }

    static String yaml(int windowRecords) {
        return """
                pipeline: loans
                data:
                  record: LoanApplication
                  key: application_id
                  event_time: applied_at
                  missing_values: ["?", "NA"]
                  max_future: PT5M
                  fields:
                    - name: application_id
                      type: string
                      required: true
                    - name: applied_at
                      type: timestamp
                      required: true
                    - name: age
                      type: int
                      required: true
                      feature: true
                      min: 18
                      max: 100
                    - name: income
                      type: double
                      feature: true
                      min: 0
                    - name: employment
                      type: category
                      feature: true
                      values: [employed, self_employed, unemployed]
                    - name: email
                      type: string
                      pattern: "^[^@\\\\s]+@[^@\\\\s]+$"
                    - name: defaulted
                      type: boolean
                label:
                  field: defaulted
                  positive: true
                drift:
                  window_records: %d
                  psi_threshold: 0.2
                """.formatted(windowRecords);
    }

    static PipelineSpec spec(int windowRecords) {
        try {
            return PipelineSpecParser.parse(yaml(windowRecords), "loans.yaml");
        } catch (SpecException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A valid record; {@code ageShift} moves the age distribution (drift tests). */
    static GenericRecord record(Schema schema, String id, Instant appliedAt, Random random, int ageShift) {
        GenericData.Record record = new GenericData.Record(schema);
        record.put("application_id", id);
        record.put("applied_at", appliedAt.toEpochMilli());
        record.put("age", Math.min(100, Math.max(18, 40 + ageShift + (int) Math.round(random.nextGaussian() * 8))));
        record.put("income", Math.max(0, 3000 + random.nextGaussian() * 800));
        String[] jobs = {"employed", "employed", "employed", "self_employed", "unemployed"};
        record.put("employment", jobs[random.nextInt(jobs.length)]);
        record.put("email", id + "@example.com");
        record.put("defaulted", random.nextDouble() < 0.2);
        return record;
    }

    /** A registered model version of the test pipeline with the given stage and drift reference profile. */
    static ModelVersion modelVersion(String version, int number, Stage stage, DataProfile reference, Instant at,
                                     String specSha256) {
        Lineage lineage = Lineage.newBuilder()
                .setDataset(new ArrayList<>())
                .setSpecSha256(specSha256)
                .setCodeVersion("test")
                .setTrainer("logistic_regression")
                .setSeed(42)
                .setTrainedAt(at)
                .setTrainingDurationMs(1)
                .setRunId("run-" + number)
                .setTriggerId("trigger-" + number)
                .setTriggerReason(TriggerReason.BOOTSTRAP)
                .setTrainExamples(4000)
                .setHoldoutExamples(1000)
                .build();
        return io.mlcycle.mlcore.registry.ModelSigning.development().sign(ModelVersion.newBuilder()
                .setPipeline(NAME)
                .setVersion(version)
                .setVersionNumber(number)
                .setStage(stage)
                .setArtifactFormat("mlcycle.logistic.v1")
                .setArtifact(ByteBuffer.wrap(new byte[] {1, 2, 3}))
                .setArtifactSha256(io.mlcycle.mlcore.model.ModelArtifacts.sha256(new byte[] {1, 2, 3}))
                .setArtifactSizeBytes(3)
                .setLineage(lineage)
                .setGatesPassed(true)
                .setReferenceProfile(reference)
                .setDecisionThreshold(0.5)
                .setCreatedAt(at)
                .setUpdatedAt(at)
                .build());
    }
}
