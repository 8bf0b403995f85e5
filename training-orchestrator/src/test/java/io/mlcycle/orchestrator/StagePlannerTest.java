package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import io.mlcycle.avro.AlertType;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageTransition;
import io.mlcycle.mlcore.registry.ChampionSelector;
import io.mlcycle.mlcore.spec.CanarySpec;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class StagePlannerTest {

    private static final Instant NOW = Instant.parse("2025-02-01T00:00:00Z");

    @Test
    void passingCandidateBecomesChampionAndRetiresThePreviousOne() {
        ModelVersion champion = StagePlanner.transition(
                Fixtures.version("credit", 1, Stage.CANDIDATE, List.of(Fixtures.gate("beats_baseline", true, "ok"))),
                Stage.CHAMPION, Fixtures.T0, "first");
        ModelVersion candidate = Fixtures.version("credit", 2, Stage.CANDIDATE,
                List.of(Fixtures.gate("beats_baseline", true, "ok")));

        StagePlanner.RegistryUpdate update = StagePlanner.plan(candidate, Optional.of(champion), NOW);

        assertThat(update.alert()).isEmpty();
        assertThat(update.versions()).extracting(ModelVersion::getVersion, ModelVersion::getStage)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("credit-v2", Stage.CHAMPION),
                        org.assertj.core.groups.Tuple.tuple("credit-v1", Stage.RETIRED));
        StageTransition promoted = last(update.candidate());
        assertThat(promoted.getFromStage()).isEqualTo(Stage.CANDIDATE);
        assertThat(promoted.getToStage()).isEqualTo(Stage.CHAMPION);
        assertThat(promoted.getBy()).isEqualTo("training-orchestrator");
        assertThat(promoted.getReason()).contains("replaces champion credit-v1");
        assertThat(update.candidate().getHistory()).hasSize(2);
        StageTransition retired = last(update.versions().get(1));
        assertThat(retired.getFromStage()).isEqualTo(Stage.CHAMPION);
        assertThat(retired.getReason()).contains("superseded by credit-v2");
        assertThat(update.versions().get(1).getUpdatedAt()).isEqualTo(NOW);
    }

    @Test
    void failingCandidateIsRejectedWithAnAlertNamingTheFailedGates() {
        ModelVersion candidate = Fixtures.version("credit", 3, Stage.CANDIDATE, List.of(
                Fixtures.gate("beats_baseline", false, "ROC AUC 0.51 does not beat the class prior 0.50"),
                Fixtures.gate("latency_p99", true, "fast")));

        StagePlanner.RegistryUpdate update = StagePlanner.plan(candidate, Optional.empty(), NOW);

        assertThat(update.versions()).singleElement().satisfies(v -> {
            assertThat(v.getStage()).isEqualTo(Stage.REJECTED);
            assertThat(last(v).getReason()).contains("beats_baseline").doesNotContain("latency_p99");
        });
        assertThat(update.alert()).hasValueSatisfying(alert -> {
            assertThat(alert.getType()).isEqualTo(AlertType.GATE_FAILURE);
            assertThat(alert.getSubject()).isEqualTo("credit-v3");
            assertThat(alert.getMessage()).contains("does not beat the class prior");
            assertThat(alert.getEvidence()).containsKey("beats_baseline").containsEntry("run_id", "run-3");
        });
    }

    private static StageTransition last(ModelVersion version) {
        return version.getHistory().get(version.getHistory().size() - 1);
    }

    @Test
    void aPersonPromotesAndRollsBackWithWhoAndWhyInTheHistory() {
        ModelVersion v1 = Fixtures.version("credit", 1, Stage.CHAMPION, List.of());
        ModelVersion v2 = Fixtures.version("credit", 2, Stage.REJECTED, List.of());
        StagePlanner.RegistryUpdate promoted = StagePlanner.promote(v2, Optional.of(v1), false, "alice",
                "reviewed by risk", Fixtures.T0);
        assertThat(promoted.versions()).extracting(ModelVersion::getVersion, ModelVersion::getStage).containsExactly(
                org.assertj.core.groups.Tuple.tuple("credit-v2", Stage.CHAMPION),
                org.assertj.core.groups.Tuple.tuple("credit-v1", Stage.RETIRED));
        assertThat(promoted.candidate().getHistory()).last().satisfies(t -> {
            assertThat(t.getBy()).isEqualTo("alice");
            assertThat(t.getReason()).isEqualTo("promoted by alice: reviewed by risk");
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StagePlanner.promote(v2, Optional.of(v1), true,
                "alice", "x", Fixtures.T0)).hasMessageContaining("refused by serving");

        StagePlanner.RegistryUpdate rolledBack = StagePlanner.rollback(Optional.of(promoted.candidate()),
                Optional.of(promoted.versions().get(1)), "bob", "complaints", Fixtures.T0);
        assertThat(rolledBack.versions()).extracting(ModelVersion::getVersion, ModelVersion::getStage).containsExactly(
                org.assertj.core.groups.Tuple.tuple("credit-v1", Stage.CHAMPION),
                org.assertj.core.groups.Tuple.tuple("credit-v2", Stage.RETIRED));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StagePlanner.rollback(Optional.of(v1),
                Optional.empty(), "bob", "x", Fixtures.T0)).hasMessageContaining("no earlier champion");
    }

    @Test
    void aChallengerUndecidedForLongerThanTheMaximumTestDurationIsWithdrawn() {
        ModelVersion champion = StagePlanner.transition(Fixtures.version("credit", 1, Stage.CANDIDATE, List.of()),
                Stage.CHAMPION, Fixtures.T0, "first");
        ModelVersion canary = StagePlanner.transition(Fixtures.version("credit", 2, Stage.CANDIDATE, List.of()),
                Stage.CANARY, NOW, "gates passed");
        ChampionSelector.Selection current = new ChampionSelector.Selection(Optional.of(champion), List.of(canary),
                List.of());
        java.time.Duration max = java.time.Duration.ofDays(7);

        assertThat(StagePlanner.expiredTests(current, max, NOW.plus(max).minusMillis(1))).isEmpty();
        assertThat(StagePlanner.expiredTests(new ChampionSelector.Selection(Optional.of(champion), List.of(),
                List.of()), max, NOW.plus(max))).isEmpty();
        List<StagePlanner.RegistryUpdate> expired = StagePlanner.expiredTests(current, max, NOW.plus(max));
        assertThat(expired).singleElement().satisfies(update -> {
            assertThat(update.versions()).singleElement().satisfies(v -> {
                assertThat(v.getVersion()).isEqualTo("credit-v2");
                assertThat(v.getStage()).isEqualTo(Stage.RETIRED);
                assertThat(last(v).getBy()).isEqualTo("orchestrator");
                assertThat(last(v).getReason()).startsWith("withdrawn as CANARY by orchestrator: no online decision "
                        + "within promotion.max_test_duration PT168H (in CANARY since " + NOW + ")");
            });
            assertThat(update.alert()).isEmpty();
        });
    }

    @Test
    void aPersonPutsARetiredVersionBackAsCanaryAndTheRunningChallengerIsRetired() {
        ModelVersion v1 = StagePlanner.transition(StagePlanner.transition(Fixtures.version("credit", 1,
                Stage.CANDIDATE, List.of()), Stage.CHAMPION, Fixtures.T0, "first"), Stage.RETIRED, Fixtures.T0, "old");
        ModelVersion v2 = StagePlanner.transition(Fixtures.version("credit", 2, Stage.CANDIDATE, List.of()),
                Stage.CHAMPION, Fixtures.T0, "second");
        ModelVersion v3 = StagePlanner.transition(Fixtures.version("credit", 3, Stage.CANDIDATE, List.of()),
                Stage.CANARY, Fixtures.T0, "gates passed");
        ChampionSelector.Selection current = new ChampionSelector.Selection(Optional.of(v2), List.of(v3), List.of());
        CanarySpec direct = CanarySpec.defaults();

        StagePlanner.RegistryUpdate update = StagePlanner.challenge(v1, Stage.CANARY, current, false, direct, "alice",
                "try the pre-drift model again", NOW);

        assertThat(update.alert()).isEmpty();
        assertThat(update.versions()).extracting(ModelVersion::getVersion, ModelVersion::getStage).containsExactly(
                org.assertj.core.groups.Tuple.tuple("credit-v1", Stage.CANARY),
                org.assertj.core.groups.Tuple.tuple("credit-v3", Stage.RETIRED));
        assertThat(last(update.candidate())).satisfies(t -> {
            assertThat(t.getFromStage()).isEqualTo(Stage.RETIRED);
            assertThat(t.getBy()).isEqualTo("alice");
            assertThat(t.getReason()).startsWith("put into CANARY by alice: try the pre-drift model again")
                    .contains("against champion credit-v2").contains("CHAMPION or is rolled back");
        });
        assertThat(last(update.versions().get(1)).getReason()).isEqualTo(
                "superseded as CANARY by credit-v1 (put into CANARY by alice)");

        ModelVersion crownedLater = StagePlanner.transition(v2, Stage.CHAMPION, NOW.plusSeconds(60), "clock ahead");
        assertThat(last(StagePlanner.challenge(v1, Stage.CANARY, new ChampionSelector.Selection(
                Optional.of(crownedLater), List.of(), List.of()), false, direct, "alice", "x", NOW).candidate())
                .getAt()).as("staged after the champion took office, whatever this instance's clock says")
                .isEqualTo(NOW.plusSeconds(60).plusMillis(1));

        StagePlanner.RegistryUpdate withdrawn = StagePlanner.withdraw(v3, "alice", "no labels arrive", NOW);
        assertThat(withdrawn.versions()).singleElement().satisfies(v -> {
            assertThat(v.getStage()).isEqualTo(Stage.RETIRED);
            assertThat(last(v).getReason()).isEqualTo("withdrawn as CANARY by alice: no labels arrive");
        });
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StagePlanner.withdraw(v2, "alice", "x", NOW))
                .hasMessageContaining("only a challenger can be withdrawn");

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StagePlanner.challenge(v2, Stage.CANARY, current,
                false, direct, "alice", "x", NOW)).hasMessage("credit-v2 is the champion");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StagePlanner.challenge(v3, Stage.CANARY, current,
                false, direct, "alice", "x", NOW)).hasMessage("credit-v3 is CANARY already");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StagePlanner.challenge(v1, Stage.SHADOW, current,
                false, direct, "alice", "x", NOW)).hasMessageContaining("no shadow stage");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StagePlanner.challenge(v1, Stage.CHAMPION, current,
                false, direct, "alice", "x", NOW)).hasMessageContaining("SHADOW or CANARY");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StagePlanner.challenge(v1, Stage.CANARY, current,
                true, direct, "alice", "x", NOW)).hasMessageContaining("refused by serving");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> StagePlanner.challenge(v1, Stage.CANARY,
                new ChampionSelector.Selection(Optional.empty(), List.of(), List.of()), false, direct, "alice", "x",
                NOW)).hasMessageContaining("no champion");
    }
}
