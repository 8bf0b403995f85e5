package io.mlcycle.serving;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.Alert;
import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Severity;
import io.mlcycle.avro.Stage;
import io.mlcycle.mlcore.model.ModelArtifacts;
import io.mlcycle.mlcore.spec.PipelineSpec;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelRegistryWatcherTest {
    private static final PipelineSpec SPEC = TestFixtures.spec();
    private static final Map<String, Object> FEATURES = Map.of("age", 50, "income", 100.0, "employment", "employed");

    private final List<Alert> alerts = new ArrayList<>();
    private final ServingMetrics metrics = ServingMetrics.inMemory(SPEC.pipeline());
    private final ModelRegistryWatcher watcher = new ModelRegistryWatcher(SPEC, alerts::add, metrics,
            Clock.fixed(TestFixtures.T0, ZoneOffset.UTC), io.mlcycle.mlcore.registry.ModelSigning.development());

    @Test
    void loadsTheChampionAfterVerifyingItsHash() {
        watcher.apply(List.of(TestFixtures.champion(SPEC, 1, 0.3)));

        LoadedModel model = watcher.champion().orElseThrow();
        assertThat(model.version()).isEqualTo("credit-v1");
        assertThat(model.versionNumber()).isEqualTo(1);
        assertThat(model.threshold()).isEqualTo(0.5);
        assertThat(model.offlineMetrics()).containsKey("roc_auc");
        assertThat(model.loadedAt()).isEqualTo(TestFixtures.T0);
        assertThat(model.score(FEATURES).score())
                .isCloseTo(TestFixtures.expectedScore(0.3, 1.0, 50), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(alerts).isEmpty();
        assertThat(metrics.count(ServingMetrics.MODEL_SWAPS)).isEqualTo(1);
    }

    @Test
    void refusesAVersionWhoseHashDoesNotMatchAndKeepsThePreviousChampion() {
        watcher.apply(List.of(TestFixtures.champion(SPEC, 1, 0.0)));
        byte[] artifact = TestFixtures.artifact(SPEC, 3.0, 1.0);
        ModelVersion tampered = TestFixtures.modelVersion(SPEC, 2, Stage.CHAMPION, artifact,
                ModelArtifacts.sha256("something else".getBytes(StandardCharsets.UTF_8)));

        watcher.apply(List.of(tampered));

        assertThat(watcher.champion().orElseThrow().version()).isEqualTo("credit-v1");
        assertThat(alerts).hasSize(1);
        Alert alert = alerts.get(0);
        assertThat(alert.getType()).isEqualTo(AlertType.MODEL_LOAD_FAILURE);
        assertThat(alert.getSeverity()).isEqualTo(Severity.CRITICAL);
        assertThat(alert.getSubject()).isEqualTo("credit-v2");
        assertThat(alert.getMessage()).contains("SHA-256 mismatch").contains("credit-v1 keeps serving");
        assertThat(alert.getEvidence()).containsEntry("actual_sha256", ModelArtifacts.sha256(artifact));
        assertThat(metrics.count(ServingMetrics.MODEL_REFUSED)).isEqualTo(1);

        // The same refused version seen again (e.g. on a later poll) is not retried nor alerted twice.
        watcher.apply(List.of(tampered));
        assertThat(alerts).hasSize(1);
    }

    @Test
    void refusesACorruptArtifactEvenWhenItsHashMatches() {
        byte[] corrupt = "{\"format\":\"mlcycle.logistic.v1\",\"weights\":[".getBytes(StandardCharsets.UTF_8);
        watcher.apply(List.of(TestFixtures.modelVersion(SPEC, 4, Stage.CHAMPION, corrupt,
                ModelArtifacts.sha256(corrupt))));

        assertThat(watcher.champion()).isEmpty();
        assertThat(alerts).singleElement().satisfies(a -> {
            assertThat(a.getType()).isEqualTo(AlertType.MODEL_LOAD_FAILURE);
            assertThat(a.getMessage()).contains("cannot be loaded").contains("no model is serving yet");
        });
    }

    @Test
    void hotSwapsToANewerChampion() {
        watcher.apply(List.of(TestFixtures.champion(SPEC, 1, 0.0)));
        LoadedModel first = watcher.champion().orElseThrow();

        watcher.apply(List.of(TestFixtures.champion(SPEC, 2, 2.0)));

        LoadedModel second = watcher.champion().orElseThrow();
        assertThat(second.version()).isEqualTo("credit-v2");
        assertThat(second.score(FEATURES).score()).isGreaterThan(first.score(FEATURES).score());
        assertThat(first.score(FEATURES).score())
                .as("the old instance is untouched: in-flight requests finish on it")
                .isCloseTo(TestFixtures.expectedScore(0.0, 1.0, 50), org.assertj.core.data.Offset.offset(1e-12));
        assertThat(metrics.count(ServingMetrics.MODEL_SWAPS)).isEqualTo(2);
    }

    @Test
    void ignoresStagesOtherThanChampionAndFollowsARollback() {
        ModelVersion v1 = TestFixtures.champion(SPEC, 1, 0.0);
        ModelVersion v2 = TestFixtures.champion(SPEC, 2, 1.0);
        ModelVersion v3Candidate = withStage(TestFixtures.champion(SPEC, 3, 2.0), Stage.CANDIDATE);
        watcher.apply(List.of(v1, v2, v3Candidate));
        assertThat(watcher.champion().orElseThrow().version()).isEqualTo("credit-v2");
        assertThat(metrics.count(ServingMetrics.MODEL_SWAPS)).as("a replay loads only the final champion").isEqualTo(1);

        watcher.apply(List.of(withStage(v2, Stage.RETIRED)));

        assertThat(watcher.champion().orElseThrow().version()).isEqualTo("credit-v1");
    }

    @Test
    void ignoresOtherPipelinesAndTombstones() {
        ModelVersion foreign = withPipeline(TestFixtures.champion(SPEC, 9, 0.0), "other");
        watcher.apply(List.of(foreign));
        assertThat(watcher.champion()).isEmpty();

        watcher.record("credit-v1", null);
        watcher.reconcile();
        assertThat(watcher.champion()).isEmpty();
    }

    @Test
    void refusesAVersionNotSignedWithTheDeploymentKeyAndIgnoresTombstonesOfTheChampion() {
        watcher.apply(List.of(TestFixtures.champion(SPEC, 1, 0.0)));
        byte[] evil = TestFixtures.artifact(SPEC, 50.0, 1.0);
        ModelVersion forged = ModelVersion.newBuilder(TestFixtures.champion(SPEC, 999, 50.0)).build();
        forged = io.mlcycle.mlcore.registry.ModelSigning.withKey("an-attacker-guessed-key-0000").sign(forged);

        watcher.apply(List.of(forged));
        watcher.record("credit-v1", null);
        watcher.reconcile();

        assertThat(watcher.champion().orElseThrow().version()).isEqualTo("credit-v1");
        assertThat(alerts).singleElement().satisfies(a -> {
            assertThat(a.getType()).isEqualTo(AlertType.MODEL_LOAD_FAILURE);
            assertThat(a.getSubject()).isEqualTo("credit-v999");
            assertThat(a.getMessage()).contains("signature does not match");
            assertThat(a.getEvidence()).containsEntry("refusal", "signature")
                    .containsEntry("actual_sha256", ModelArtifacts.sha256(evil));
        });
    }

    private static ModelVersion withStage(ModelVersion version, Stage stage) {
        return io.mlcycle.mlcore.registry.ModelSigning.development()
                .sign(ModelVersion.newBuilder(version).setStage(stage).setUpdatedAt(version.getUpdatedAt().plusSeconds(1)).build());
    }

    private static ModelVersion withPipeline(ModelVersion version, String pipeline) {
        return io.mlcycle.mlcore.registry.ModelSigning.development()
                .sign(ModelVersion.newBuilder(version).setPipeline(pipeline).build());
    }
}
