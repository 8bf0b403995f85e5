package io.mlcycle.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.mlcycle.avro.DecisionKind;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.avro.StageTransition;
import io.mlcycle.mlcore.spec.CanarySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StageDecisionsTest {

    private static final Instant NOW = Instant.parse("2025-02-01T00:00:00Z");
    private static final CanarySpec STAGED = CanarySpec.defaults()
            .staged(new CanarySpec.ShadowStage(10, Duration.ofMinutes(1)), true);

    private final ModelRegistry registry = new ModelRegistry("credit", Fixtures.SIGNING);

    private ModelVersion put(int number, Stage stage) {
        ModelVersion version = Fixtures.SIGNING.sign(StagePlanner.transition(Fixtures.version("credit", number,
                Stage.CANDIDATE, List.of(Fixtures.gate("beats_baseline", true, "ok"))), stage, Fixtures.T0, "test"));
        registry.apply(version);
        return version;
    }

    private static StageDecision decision(String version, Stage from, Stage to, DecisionKind kind, String champion) {
        return StageDecision.newBuilder()
                .setDecisionId("d-" + version + "-" + to)
                .setPipeline("credit")
                .setModelVersion(version)
                .setFromStage(from)
                .setToStage(to)
                .setDecision(kind)
                .setComparedWith(champion)
                .setEvidence("evidence in words")
                .setStatistics(Map.of("paired_outcomes", 400.0))
                .setDecidedBy("serving-feedback")
                .setDecidedAt(NOW)
                .build();
    }

    private static StageTransition last(ModelVersion version) {
        return version.getHistory().get(version.getHistory().size() - 1);
    }

    @Test
    void aPromotedCanaryBecomesChampionAndRetiresTheChampionItWasComparedWith() {
        put(1, Stage.CHAMPION);
        put(2, Stage.CANARY);

        StageDecisions.Outcome outcome = StageDecisions.apply("credit",
                decision("credit-v2", Stage.CANARY, Stage.CHAMPION, DecisionKind.PROMOTE, "credit-v1"), registry, NOW);

        assertThat(outcome.applied()).isTrue();
        List<ModelVersion> writes = outcome.update().orElseThrow().versions();
        assertThat(writes).extracting(ModelVersion::getVersion, ModelVersion::getStage)
                .containsExactly(tuple("credit-v2", Stage.CHAMPION), tuple("credit-v1", Stage.RETIRED));
        assertThat(last(writes.get(0)).getBy()).isEqualTo("serving-feedback");
        assertThat(last(writes.get(0)).getReason()).contains("evidence in words")
                .contains("decision d-credit-v2-CHAMPION").contains("applied by training-orchestrator");
        assertThat(last(writes.get(1)).getReason()).contains("replaced by credit-v2 on online evidence");
    }

    @Test
    void aRolledBackCanaryIsRejectedAndTheChampionStays() {
        put(1, Stage.CHAMPION);
        put(2, Stage.CANARY);

        StageDecisions.Outcome outcome = StageDecisions.apply("credit",
                decision("credit-v2", Stage.CANARY, Stage.REJECTED, DecisionKind.ROLLBACK, "credit-v1"), registry,
                NOW);

        assertThat(outcome.update().orElseThrow().versions()).singleElement()
                .satisfies(v -> {
                    assertThat(v.getVersion()).isEqualTo("credit-v2");
                    assertThat(v.getStage()).isEqualTo(Stage.REJECTED);
                });
    }

    @Test
    void aShadowMovesOnToCanaryWithoutTouchingTheChampion() {
        put(1, Stage.CHAMPION);
        put(2, Stage.SHADOW);

        StageDecisions.Outcome outcome = StageDecisions.apply("credit",
                decision("credit-v2", Stage.SHADOW, STAGED.nextStage(Stage.SHADOW), DecisionKind.PROMOTE,
                        "credit-v1"), registry, NOW);

        assertThat(outcome.update().orElseThrow().versions()).extracting(ModelVersion::getStage)
                .containsExactly(Stage.CANARY);
    }

    @Test
    void aStaleDecisionIsNotApplied() {
        put(1, Stage.CHAMPION);
        put(2, Stage.CHAMPION); // already promoted (the decision came twice)
        put(3, Stage.CANARY);

        assertThat(StageDecisions.apply("credit", decision("credit-v2", Stage.CANARY, Stage.CHAMPION,
                DecisionKind.PROMOTE, "credit-v1"), registry, NOW).applied()).isFalse();
        // compared with a champion that has been replaced meanwhile
        StageDecisions.Outcome outcome = StageDecisions.apply("credit", decision("credit-v3", Stage.CANARY,
                Stage.CHAMPION, DecisionKind.PROMOTE, "credit-v1"), registry, NOW);
        assertThat(outcome.applied()).isFalse();
        assertThat(outcome.note()).contains("the champion is credit-v2 now");
        // unknown version, other pipeline, backwards step
        assertThat(StageDecisions.apply("credit", decision("credit-v9", Stage.CANARY, Stage.CHAMPION,
                DecisionKind.PROMOTE, "credit-v2"), registry, NOW).applied()).isFalse();
        assertThat(StageDecisions.apply("other", decision("credit-v3", Stage.CANARY, Stage.CHAMPION,
                DecisionKind.PROMOTE, "credit-v2"), registry, NOW).applied()).isFalse();
        assertThat(StageDecisions.apply("credit", decision("credit-v3", Stage.CANARY, Stage.SHADOW,
                DecisionKind.PROMOTE, "credit-v2"), registry, NOW).applied()).isFalse();
    }

    @Test
    void aForwardedPromoteIsPlannedAsThePersonsPromoteAndNamesTheRequest() {
        ModelVersion champion = put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision request = Fixtures.SIGNING.sign(StageDecisions.forwarded("req-1", "credit", DecisionKind.PROMOTE, retired,
                java.util.Optional.of(champion), "alice", "better on the new data", "standby-b", NOW));
        assertThat(request.getForwardedBy()).isEqualTo("standby-b");
        assertThat(request.getFromStage()).isEqualTo(Stage.RETIRED);
        assertThat(request.getComparedWith()).isEqualTo("credit-v1");

        StageDecisions.Outcome outcome = StageDecisions.apply("credit", request, registry, NOW);

        List<ModelVersion> writes = outcome.update().orElseThrow().versions();
        assertThat(writes).extracting(ModelVersion::getVersion, ModelVersion::getStage)
                .containsExactly(tuple("credit-v2", Stage.CHAMPION), tuple("credit-v1", Stage.RETIRED));
        assertThat(last(writes.get(0)).getBy()).isEqualTo("alice");
        assertThat(last(writes.get(0)).getReason()).contains("promoted by alice: better on the new data")
                .contains("request req-1 forwarded by standby standby-b");
    }

    @Test
    void aForwardedRollbackRestoresThePreviousChampion() {
        ModelVersion first = put(1, Stage.CHAMPION);
        registry.apply(Fixtures.SIGNING.sign(StagePlanner.transition(first, Stage.RETIRED, Fixtures.T0, "test")));
        ModelVersion champion = put(2, Stage.CHAMPION);
        RegistryGuard guard = new RegistryGuard("credit", registry);
        StageDecision request = Fixtures.SIGNING.sign(StageDecisions.forwarded("req-2", "credit", DecisionKind.ROLLBACK, champion,
                java.util.Optional.of(champion), "alice", "v2 misbehaves", "standby-b", NOW));

        StageDecisions.Outcome outcome = StageDecisions.apply("credit", request, registry, guard::previousChampion,
                NOW);

        assertThat(outcome.update().orElseThrow().versions())
                .extracting(ModelVersion::getVersion, ModelVersion::getStage)
                .containsExactly(tuple("credit-v1", Stage.CHAMPION), tuple("credit-v2", Stage.RETIRED));
        // without a previous champion the owner refuses it, as the HTTP call would (409)
        StageDecisions.Outcome none = StageDecisions.apply("credit", request, registry, NOW);
        assertThat(none.applied()).isFalse();
        assertThat(none.note()).contains("not applied").contains("no earlier champion");
    }

    /**
     * Only requests an orchestrator instance signed with the deployment's key are applied: an unsigned one, one
     * altered after signing (another person's name) and one signed with another key are refused, saying why.
     */
    @Test
    void aForwardedRequestIsAppliedOnlyWhenSignedWithTheDeploymentsKey() {
        ModelVersion champion = put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision unsigned = StageDecisions.forwarded("req-5", "credit", DecisionKind.PROMOTE, retired,
                java.util.Optional.of(champion), "alice", "why", "standby-b", NOW);
        StageDecision signed = Fixtures.SIGNING.sign(unsigned);
        StageDecision altered = StageDecision.newBuilder(signed).setDecidedBy("mallory").build();
        StageDecision otherKey = io.mlcycle.mlcore.registry.ModelSigning.withKey("another-deployments-key-0123")
                .sign(unsigned);

        assertThat(StageDecisions.apply("credit", unsigned, registry, NOW).note())
                .contains("refused").contains("unsigned");
        assertThat(StageDecisions.apply("credit", altered, registry, NOW).note())
                .contains("refused").contains("signature does not match");
        assertThat(StageDecisions.apply("credit", otherKey, registry, NOW).note())
                .contains("refused").contains("signature does not match");
        assertThat(StageDecisions.apply("credit", unsigned, registry, NOW).applied()).isFalse();
        assertThat(StageDecisions.apply("credit", signed, registry, NOW).applied()).isTrue();
    }

    @Test
    void aForwardedRequestIsNotAppliedOnceTheRegistryChangedSinceTheStandbySawIt() {
        ModelVersion champion = put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision promote = Fixtures.SIGNING.sign(StageDecisions.forwarded("req-3", "credit", DecisionKind.PROMOTE, retired,
                java.util.Optional.of(champion), "alice", "why", "standby-b", NOW));
        put(3, Stage.CHAMPION); // a new champion meanwhile

        StageDecisions.Outcome outcome = StageDecisions.apply("credit", promote, registry, NOW);

        assertThat(outcome.applied()).isFalse();
        assertThat(outcome.note()).contains("stale request req-3").contains("credit-v3 now");
        // the version itself moved meanwhile (the champion is as seen)
        StageDecision again = Fixtures.SIGNING.sign(StageDecisions.forwarded("req-4", "credit", DecisionKind.PROMOTE, retired,
                registry.champion(), "alice", "why", "standby-b", NOW));
        put(2, Stage.REJECTED);
        assertThat(StageDecisions.apply("credit", again, registry, NOW).note())
                .contains("stale request req-4").contains("credit-v2 is REJECTED now");
    }

    @Test
    void theStagedPolicyMakesAPassingCandidateAChallengerAndRetiresTheOneItSupersedes() {
        ModelVersion champion = put(1, Stage.CHAMPION);
        put(2, Stage.SHADOW);
        ModelVersion candidate = Fixtures.version("credit", 3, Stage.CANDIDATE,
                List.of(Fixtures.gate("beats_baseline", true, "ok")));

        StagePlanner.RegistryUpdate update = StagePlanner.plan(candidate, registry.selection(), STAGED, NOW);

        assertThat(update.versions()).extracting(ModelVersion::getVersion, ModelVersion::getStage)
                .containsExactly(tuple("credit-v3", Stage.SHADOW), tuple("credit-v2", Stage.RETIRED));
        assertThat(last(update.candidate()).getReason()).contains("staged promotion policy")
                .contains(champion.getVersion());
        // the first version has nothing to be compared with online; the direct policy promotes at once
        ModelRegistry empty = new ModelRegistry("credit", Fixtures.SIGNING);
        assertThat(StagePlanner.plan(candidate, empty.selection(), STAGED, NOW).candidate().getStage())
                .isEqualTo(Stage.CHAMPION);
        assertThat(StagePlanner.plan(candidate, registry.selection(), CanarySpec.defaults(), NOW).candidate()
                .getStage()).isEqualTo(Stage.CHAMPION);
    }
}
