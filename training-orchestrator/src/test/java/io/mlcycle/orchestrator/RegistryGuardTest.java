package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Severity;
import io.mlcycle.avro.Stage;
import io.mlcycle.mlcore.model.ModelArtifacts;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RegistryGuardTest {

    private final ModelRegistry registry = new ModelRegistry("credit", Fixtures.SIGNING);
    private final RegistryGuard guard = new RegistryGuard("credit", registry);

    @Test
    void aForgedChampionIsRefusedWithAnAlertAndNeverBecomesChampionOrParent() {
        ModelVersion v3 = Fixtures.version("credit", 3, Stage.CHAMPION, List.of());
        guard.onRecord("credit-v3", v3, true, Fixtures.T0);
        byte[] evil = {50};
        ModelVersion forged = ModelVersion.newBuilder(v3).setVersion("credit-v999").setVersionNumber(999)
                .setArtifact(ByteBuffer.wrap(evil)).setArtifactSha256(ModelArtifacts.sha256(evil)).build();

        var alert = guard.onRecord("credit-v999", forged, true, Fixtures.T0);

        assertThat(alert).map(Alert::getSeverity).hasValue(Severity.CRITICAL);
        assertThat(alert.orElseThrow().getMessage()).contains("credit-v999").contains("signature");
        assertThat(registry.champion()).map(ModelVersion::getVersion).hasValue("credit-v3");
        assertThat(registry.nextVersionNumber()).isEqualTo(4);
        assertThat(guard.repairs()).isEmpty();
    }

    @Test
    void aTombstoneOnTheChampionIsIgnoredAndRepaired() {
        ModelVersion v3 = Fixtures.version("credit", 3, Stage.CHAMPION, List.of());
        guard.onRecord("credit-v3", v3, true, Fixtures.T0);

        assertThat(guard.onRecord("credit-v3", null, true, Fixtures.T0)).isPresent();

        assertThat(registry.champion()).map(ModelVersion::getVersion).hasValue("credit-v3");
        assertThat(guard.repairs()).containsExactly(v3);
        guard.onRecord("credit-v3", v3, true, Fixtures.T0);
        assertThat(guard.repairs()).as("the repair coming back clears the taint").isEmpty();
    }

    @Test
    void replayedForgeriesRaiseNoAlertButStillNeedRepair() {
        ModelVersion v3 = Fixtures.version("credit", 3, Stage.CHAMPION, List.of());
        guard.onRecord("credit-v3", v3, false, Fixtures.T0);
        assertThat(guard.onRecord("credit-v3", ModelVersion.newBuilder(v3).setSignature(null).build(), false,
                Fixtures.T0)).isEmpty();
        assertThat(guard.repairs()).containsExactly(v3);
    }

    @Test
    void servingsRefusalRejectsTheChampionAndRollsBackToThePreviousOne() {
        ModelVersion v1 = Fixtures.SIGNING.sign(StagePlanner.transition(
                StagePlanner.transition(Fixtures.version("credit", 1, Stage.CANDIDATE, List.of()), Stage.CHAMPION,
                        Fixtures.T0, "first"), Stage.RETIRED, Fixtures.T0, "superseded"));
        ModelVersion v2 = Fixtures.version("credit", 2, Stage.CHAMPION, List.of());
        guard.onRecord(v1.getVersion(), v1, true, Fixtures.T0);
        guard.onRecord(v2.getVersion(), v2, true, Fixtures.T0);

        Alert refusal = Alert.newBuilder().setAlertId("a").setPipeline("credit").setType(AlertType.MODEL_LOAD_FAILURE)
                .setSeverity(Severity.CRITICAL).setSourceService("serving-feedback").setSubject("credit-v2")
                .setMessage("warm-up failed").setEvidence(Map.of("artifact_sha256", v2.getArtifactSha256()))
                .setRaisedAt(Fixtures.T0).build();
        var update = guard.onAlert(refusal, Fixtures.T0.plusSeconds(1)).orElseThrow();

        assertThat(update.versions()).extracting(ModelVersion::getVersion, ModelVersion::getStage)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("credit-v2", Stage.REJECTED),
                        org.assertj.core.groups.Tuple.tuple("credit-v1", Stage.CHAMPION));
        assertThat(update.candidate().getHistory().get(update.candidate().getHistory().size() - 1).getBy())
                .isEqualTo("serving-feedback");
        assertThat(registry.champion()).as("refused by serving, it no longer counts").isEmpty();

        Alert otherArtifact = Alert.newBuilder(refusal).setEvidence(Map.of("artifact_sha256", "00")).build();
        assertThat(guard.onAlert(otherArtifact, Fixtures.T0)).as("another artifact's refusal").isEmpty();
    }
}
