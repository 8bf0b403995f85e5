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

    /** A decision on online evidence as serving signs it. */
    private static StageDecision decision(String version, Stage from, Stage to, DecisionKind kind, String champion) {
        return Fixtures.SIGNING.sign(unsignedDecision(version, from, to, kind, champion));
    }

    private static StageDecision unsignedDecision(String version, Stage from, Stage to, DecisionKind kind,
                                                  String champion) {
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
     * Decisions on online evidence are signed by serving too: an unsigned one, or one altered to name a person, is
     * refused, so a writer of {@code <p>.models.decisions} cannot move a challenger, in anyone's name.
     */
    @Test
    void anOnlineEvidenceDecisionIsAppliedOnlyWhenSigned() {
        put(1, Stage.CHAMPION);
        put(2, Stage.CANARY);
        StageDecision unsigned = unsignedDecision("credit-v2", Stage.CANARY, Stage.CHAMPION, DecisionKind.PROMOTE,
                "credit-v1");
        StageDecision inAPersonsName = StageDecision.newBuilder(Fixtures.SIGNING.sign(unsigned))
                .setDecidedBy("alice").build();

        assertThat(StageDecisions.apply("credit", unsigned, registry, NOW).note()).contains("refused")
                .contains("unsigned");
        assertThat(StageDecisions.apply("credit", inAPersonsName, registry, NOW).note()).contains("refused")
                .contains("signature does not match");
        assertThat(StageDecisions.apply("credit", Fixtures.SIGNING.sign(unsigned), registry, NOW).applied()).isTrue();
    }

    /**
     * A signed forwarded request is not a standing order: applied once (sent again, it is refused as applied
     * already), and only near the time the standby accepted it.
     */
    @Test
    void aForwardedRequestIsAppliedOnceAndOnlyWhileFresh() {
        ModelVersion champion = put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision request = Fixtures.SIGNING.sign(StageDecisions.forwarded("req-6", "credit",
                DecisionKind.PROMOTE, retired, java.util.Optional.of(champion), "alice", "why", "standby-b", NOW));

        assertThat(StageDecisions.apply("credit", request, registry, NOW.plus(StageDecisions.MAX_FORWARDED_AGE)
                .plusSeconds(1)).note()).contains("refused").contains("send it again");
        StageDecisions.Outcome first = StageDecisions.apply("credit", request, registry, NOW.plusSeconds(30));
        assertThat(first.applied()).isTrue();
        first.update().orElseThrow().versions().forEach(v -> registry.apply(Fixtures.SIGNING.sign(v)));

        // the registry as the standby saw it again (v2 retired, v1 champion), then the same request once more
        registry.apply(Fixtures.SIGNING.sign(StagePlanner.transition(registry.get("credit-v1").orElseThrow(),
                Stage.CHAMPION, NOW.plusSeconds(40), "test")));
        registry.apply(Fixtures.SIGNING.sign(StagePlanner.transition(registry.get("credit-v2").orElseThrow(),
                Stage.RETIRED, NOW.plusSeconds(41), "test")));
        StageDecisions.Outcome again = StageDecisions.apply("credit", request, registry, NOW.plusSeconds(60));
        assertThat(again.applied()).isFalse();
        assertThat(again.note()).contains("applied already");
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

    private static StageDecision stageRequest(String id, ModelVersion version, Stage to, ModelRegistry seen) {
        return Fixtures.SIGNING.sign(StageDecisions.forwarded(id, "credit", DecisionKind.STAGE, version, to,
                seen.champion(), "alice", "try it on live traffic", "standby-b", NOW));
    }

    @Test
    void aForwardedStageToCanaryIsPlannedAsThePersonsStageCallAndRetiresTheOtherChallenger() {
        put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        put(3, Stage.SHADOW);
        StageDecision request = stageRequest("req-s1", retired, Stage.CANARY, registry);
        assertThat(request.getDecision()).isEqualTo(DecisionKind.STAGE);
        assertThat(request.getFromStage()).isEqualTo(Stage.RETIRED);
        assertThat(request.getToStage()).isEqualTo(Stage.CANARY);
        assertThat(request.getComparedWith()).isEqualTo("credit-v1");

        StageDecisions.Outcome outcome = StageDecisions.apply("credit", request, registry, c -> java.util.Optional.empty(),
                STAGED, NOW);

        List<ModelVersion> writes = outcome.update().orElseThrow().versions();
        assertThat(writes).extracting(ModelVersion::getVersion, ModelVersion::getStage)
                .containsExactly(tuple("credit-v2", Stage.CANARY), tuple("credit-v3", Stage.RETIRED));
        assertThat(last(writes.get(0)).getBy()).isEqualTo("alice");
        assertThat(last(writes.get(0)).getReason()).contains("put into CANARY by alice: try it on live traffic")
                .contains("request req-s1 forwarded by standby standby-b").contains("champion credit-v1");
        assertThat(outcome.note()).contains("credit-v2 RETIRED -> CANARY").contains("champion now credit-v1");
    }

    /** The owner plans a forwarded SHADOW under its spec's policy, as its own HTTP call would (409 there). */
    @Test
    void aForwardedStageIntoShadowNeedsTheSpecsShadowStage() {
        put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision request = stageRequest("req-s2", retired, Stage.SHADOW, registry);

        StageDecisions.Outcome direct = StageDecisions.apply("credit", request, registry,
                c -> java.util.Optional.empty(), CanarySpec.defaults(), NOW);
        assertThat(direct.applied()).isFalse();
        assertThat(direct.note()).contains("req-s2").contains("not applied").contains("no shadow stage");
        // without a policy at all nothing is guessed
        assertThat(StageDecisions.apply("credit", request, registry, NOW).note()).contains("no promotion policy");
        assertThat(StageDecisions.apply("credit", request, registry, c -> java.util.Optional.empty(), STAGED, NOW)
                .update().orElseThrow().candidate().getStage()).isEqualTo(Stage.SHADOW);
    }

    @Test
    void aForwardedStageToRetiredWithdrawsTheChallenger() {
        put(1, Stage.CHAMPION);
        ModelVersion canary = put(2, Stage.CANARY);
        StageDecision request = stageRequest("req-s3", canary, Stage.RETIRED, registry);

        StageDecisions.Outcome outcome = StageDecisions.apply("credit", request, registry,
                c -> java.util.Optional.empty(), STAGED, NOW);

        assertThat(outcome.update().orElseThrow().versions()).singleElement()
                .satisfies(v -> {
                    assertThat(v.getVersion()).isEqualTo("credit-v2");
                    assertThat(v.getStage()).isEqualTo(Stage.RETIRED);
                    assertThat(last(v).getBy()).isEqualTo("alice");
                    assertThat(last(v).getReason()).contains("withdrawn as CANARY by alice")
                            .contains("request req-s3 forwarded by standby standby-b");
                });
        // withdrawing what is not a challenger is refused, as the HTTP call's 409
        ModelVersion champion = registry.champion().orElseThrow();
        StageDecisions.Outcome notAChallenger = StageDecisions.apply("credit",
                stageRequest("req-s4", champion, Stage.RETIRED, registry), registry, c -> java.util.Optional.empty(),
                STAGED, NOW);
        assertThat(notAChallenger.applied()).isFalse();
        assertThat(notAChallenger.note()).contains("not a SHADOW or CANARY challenger");
    }

    @Test
    void aForwardedStageIsNotAppliedOnceTheRegistryChangedSinceTheStandbySawIt() {
        put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision canary = stageRequest("req-s5", retired, Stage.CANARY, registry);
        put(2, Stage.SHADOW); // serving's test, a run or another person moved it meanwhile

        StageDecisions.Outcome moved = StageDecisions.apply("credit", canary, registry,
                c -> java.util.Optional.empty(), STAGED, NOW);
        assertThat(moved.applied()).isFalse();
        assertThat(moved.note()).contains("stale request req-s5").contains("credit-v2 is SHADOW now");

        ModelVersion shadow = registry.get("credit-v2").orElseThrow();
        StageDecision withdraw = stageRequest("req-s6", shadow, Stage.RETIRED, registry);
        put(3, Stage.CHAMPION); // a new champion meanwhile
        StageDecisions.Outcome newChampion = StageDecisions.apply("credit", withdraw, registry,
                c -> java.util.Optional.empty(), STAGED, NOW);
        assertThat(newChampion.applied()).isFalse();
        assertThat(newChampion.note()).contains("stale request req-s6").contains("credit-v3 now");
    }

    @Test
    void aForwardedStageIsAppliedOnlyWhenSignedWithTheDeploymentsKey() {
        ModelVersion champion = put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision unsigned = StageDecisions.forwarded("req-s7", "credit", DecisionKind.STAGE, retired,
                Stage.CANARY, java.util.Optional.of(champion), "alice", "why", "standby-b", NOW);
        StageDecision signed = Fixtures.SIGNING.sign(unsigned);
        // the stage asked for is signed: a writer of the topic cannot turn a canary into a withdrawal
        StageDecision altered = StageDecision.newBuilder(signed).setToStage(Stage.SHADOW).build();

        assertThat(StageDecisions.apply("credit", unsigned, registry, c -> java.util.Optional.empty(), STAGED, NOW)
                .note()).contains("refused").contains("unsigned");
        assertThat(StageDecisions.apply("credit", altered, registry, c -> java.util.Optional.empty(), STAGED, NOW)
                .note()).contains("refused").contains("signature does not match");
        assertThat(StageDecisions.apply("credit", unsigned, registry, c -> java.util.Optional.empty(), STAGED, NOW)
                .applied()).isFalse();
        assertThat(StageDecisions.apply("credit", signed, registry, c -> java.util.Optional.empty(), STAGED, NOW)
                .applied()).isTrue();
    }

    /** A STAGE on online evidence (not forwarded) is no decision serving takes: consumed, not applied. */
    @Test
    void aStageDecisionThatWasNotForwardedIsNotApplied() {
        put(1, Stage.CHAMPION);
        put(2, Stage.SHADOW);

        StageDecisions.Outcome outcome = StageDecisions.apply("credit",
                decision("credit-v2", Stage.SHADOW, Stage.CANARY, DecisionKind.STAGE, "credit-v1"), registry, NOW);

        assertThat(outcome.applied()).isFalse();
        assertThat(outcome.note()).contains("unknown kind STAGE");
    }

    /**
     * STAGE was added to DecisionKind, which has a default: the registry accepts the new StageDecision schema under
     * FULL compatibility, and a reader that predates STAGE (an orchestrator not yet upgraded) reads it as UNKNOWN,
     * whose signature then does not match, so such an owner refuses the request rather than misapply it.
     */
    @Test
    void addingStageToDecisionKindIsFullyCompatibleAndAnOlderReaderReadsItAsUnknown() throws Exception {
        org.apache.avro.Schema current = StageDecision.getClassSchema();
        String symbols = "\"symbols\":[\"PROMOTE\",\"ROLLBACK\",\"STAGE\",\"UNKNOWN\",\"ANSWER\"]";
        assertThat(current.toString()).contains(symbols);
        org.apache.avro.Schema older = new org.apache.avro.Schema.Parser().parse(current.toString()
                .replace(symbols, "\"symbols\":[\"PROMOTE\",\"ROLLBACK\",\"UNKNOWN\",\"ANSWER\"]"));

        assertThat(io.mlcycle.schemas.compat.AvroCompatibility.violations(
                io.mlcycle.schemas.compat.CompatibilityLevel.FULL_TRANSITIVE, current, List.of(older))).isEmpty();

        ModelVersion champion = put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision request = Fixtures.SIGNING.sign(StageDecisions.forwarded("req-s8", "credit", DecisionKind.STAGE,
                retired, Stage.CANARY, java.util.Optional.of(champion), "alice", "why", "standby-b", NOW));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(bytes, null);
        new org.apache.avro.specific.SpecificDatumWriter<StageDecision>(current).write(request, encoder);
        encoder.flush();
        org.apache.avro.generic.GenericRecord read = new org.apache.avro.generic.GenericDatumReader<
                org.apache.avro.generic.GenericRecord>(current, older).read(null,
                org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(read.get("decision")).hasToString("UNKNOWN");
        StageDecision asOlderOwnerSeesIt = StageDecision.newBuilder(request).setDecision(DecisionKind.UNKNOWN).build();
        assertThat(StageDecisions.apply("credit", asOlderOwnerSeesIt, registry, NOW).note())
                .contains("refused").contains("signature does not match");
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

    /**
     * The owner's answer to a forwarded request it refuses as stale says so, under the request's id, signed (a writer
     * of the topic cannot answer in the owner's name), and is itself nothing to apply.
     */
    @Test
    void aStaleForwardedRequestIsAnsweredRefusedWithTheReason() {
        ModelVersion champion = put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision request = Fixtures.SIGNING.sign(StageDecisions.forwarded("req-a1", "credit",
                DecisionKind.PROMOTE, retired, java.util.Optional.of(champion), "alice", "why", "standby-b", NOW));
        Instant late = NOW.plus(StageDecisions.MAX_FORWARDED_AGE).plusSeconds(1);
        StageDecisions.Outcome outcome = StageDecisions.apply("credit", request, registry, late);

        StageDecision answer = Fixtures.SIGNING.sign(StageDecisions.answer(request, outcome, late));

        assertThat(StageDecisions.isForwardedRequest(request)).isTrue();
        assertThat(StageDecisions.isAnswer(answer)).isTrue();
        assertThat(StageDecisions.isForwardedRequest(answer)).isFalse();
        assertThat(answer.getDecisionId()).isEqualTo("req-a1");
        assertThat(answer.getDecision()).isEqualTo(DecisionKind.ANSWER);
        assertThat(answer.getAnswer()).isEqualTo(io.mlcycle.avro.RequestStatus.REFUSED);
        assertThat(answer.getEvidence()).contains("req-a1").contains("more than 10 minutes")
                .contains("send it again");
        assertThat(answer.getDecidedBy()).isEqualTo(StagePlanner.ACTOR);
        assertThat(answer.getDecidedAt()).isEqualTo(late);
        assertThat(answer.getModelVersion()).isEqualTo("credit-v2");
        assertThat(Fixtures.SIGNING.verify(answer).valid()).isTrue();
        // the status is signed: an answer turned from refused into applied no longer verifies
        assertThat(Fixtures.SIGNING.verify(StageDecision.newBuilder(answer)
                .setAnswer(io.mlcycle.avro.RequestStatus.APPLIED).build()).valid()).isFalse();
        // consumed by the owner like any record of the topic, an answer changes nothing
        StageDecisions.Outcome onAnswer = StageDecisions.apply("credit", answer, registry, late);
        assertThat(onAnswer.applied()).isFalse();
        assertThat(onAnswer.note()).contains("answer");
    }

    /** An invalid request (signed with another key, about an unknown version, not allowed) is answered refused. */
    @Test
    void anInvalidForwardedRequestIsAnsweredRefusedWithTheReason() {
        ModelVersion champion = put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision unsigned = StageDecisions.forwarded("req-a2", "credit", DecisionKind.PROMOTE, retired,
                java.util.Optional.of(champion), "alice", "why", "standby-b", NOW);
        StageDecision otherKey = io.mlcycle.mlcore.registry.ModelSigning.withKey("another-deployments-key-0123")
                .sign(unsigned);
        StageDecision refusedForKey = StageDecisions.answer(otherKey,
                StageDecisions.apply("credit", otherKey, registry, NOW), NOW);
        assertThat(refusedForKey.getAnswer()).isEqualTo(io.mlcycle.avro.RequestStatus.REFUSED);
        assertThat(refusedForKey.getEvidence()).contains("refused").contains("signature does not match");

        ModelVersion ghost = Fixtures.version("credit", 9, Stage.RETIRED, List.of());
        StageDecision unknown = Fixtures.SIGNING.sign(StageDecisions.forwarded("req-a3", "credit",
                DecisionKind.PROMOTE, ghost, java.util.Optional.of(champion), "alice", "why", "standby-b", NOW));
        StageDecision refusedForVersion = StageDecisions.answer(unknown,
                StageDecisions.apply("credit", unknown, registry, NOW), NOW);
        assertThat(refusedForVersion.getAnswer()).isEqualTo(io.mlcycle.avro.RequestStatus.REFUSED);
        assertThat(refusedForVersion.getEvidence()).contains("credit-v9").contains("no verified registry record");

        // a gate the owner applies itself: the champion cannot be put into CANARY
        StageDecision canaryChampion = Fixtures.SIGNING.sign(StageDecisions.forwarded("req-a4", "credit",
                DecisionKind.STAGE, champion, Stage.CANARY, java.util.Optional.of(champion), "alice", "why",
                "standby-b", NOW));
        StageDecision refusedByPlanner = StageDecisions.answer(canaryChampion, StageDecisions.apply("credit",
                canaryChampion, registry, c -> java.util.Optional.empty(), STAGED, NOW), NOW);
        assertThat(refusedByPlanner.getAnswer()).isEqualTo(io.mlcycle.avro.RequestStatus.REFUSED);
        assertThat(refusedByPlanner.getEvidence()).contains("req-a4").contains("not applied");

        StageDecision signed = Fixtures.SIGNING.sign(unsigned);
        StageDecision applied = StageDecisions.answer(signed, StageDecisions.apply("credit", signed, registry, NOW),
                NOW);
        assertThat(applied.getAnswer()).isEqualTo(io.mlcycle.avro.RequestStatus.APPLIED);
        assertThat(applied.getEvidence()).contains("promote of credit-v2").contains("champion now credit-v2");
    }

    /**
     * ANSWER and the answer field are fully compatible with the schema before them; an orchestrator from before reads
     * an answer's kind as UNKNOWN and without the status, whose signature then does not match: it applies nothing.
     */
    @Test
    void answersAreFullyCompatibleAndAnOlderOwnerAppliesNothingOfThem() throws Exception {
        org.apache.avro.Schema current = StageDecision.getClassSchema();
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.fasterxml.jackson.databind.node.ObjectNode tree = (com.fasterxml.jackson.databind.node.ObjectNode)
                json.readTree(current.toString());
        com.fasterxml.jackson.databind.node.ArrayNode fields = (com.fasterxml.jackson.databind.node.ArrayNode)
                tree.get("fields");
        for (int i = fields.size() - 1; i >= 0; i--) {
            com.fasterxml.jackson.databind.JsonNode field = fields.get(i);
            if (field.get("name").asText().equals("answer")) {
                fields.remove(i);
            } else if (field.get("name").asText().equals("decision")) {
                ((com.fasterxml.jackson.databind.node.ArrayNode) field.get("type").get("symbols")).remove(4);
            }
        }
        org.apache.avro.Schema older = new org.apache.avro.Schema.Parser().parse(tree.toString());
        assertThat(older.getField("answer")).isNull();
        assertThat(older.getField("decision").schema().getEnumSymbols())
                .containsExactly("PROMOTE", "ROLLBACK", "STAGE", "UNKNOWN");
        assertThat(io.mlcycle.schemas.compat.AvroCompatibility.violations(
                io.mlcycle.schemas.compat.CompatibilityLevel.FULL_TRANSITIVE, current, List.of(older))).isEmpty();

        ModelVersion champion = put(1, Stage.CHAMPION);
        ModelVersion retired = put(2, Stage.RETIRED);
        StageDecision request = Fixtures.SIGNING.sign(StageDecisions.forwarded("req-a5", "credit",
                DecisionKind.PROMOTE, retired, java.util.Optional.of(champion), "alice", "why", "standby-b", NOW));
        StageDecision answer = Fixtures.SIGNING.sign(StageDecisions.answer(request,
                StageDecisions.apply("credit", request, registry, NOW), NOW));
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        org.apache.avro.io.BinaryEncoder encoder = org.apache.avro.io.EncoderFactory.get().binaryEncoder(bytes, null);
        new org.apache.avro.specific.SpecificDatumWriter<StageDecision>(current).write(answer, encoder);
        encoder.flush();
        org.apache.avro.generic.GenericRecord read = new org.apache.avro.generic.GenericDatumReader<
                org.apache.avro.generic.GenericRecord>(current, older).read(null,
                org.apache.avro.io.DecoderFactory.get().binaryDecoder(bytes.toByteArray(), null));
        assertThat(read.get("decision")).hasToString("UNKNOWN");
        StageDecision asOlderOwnerSeesIt = StageDecision.newBuilder(answer).setDecision(DecisionKind.UNKNOWN)
                .setAnswer(null).build();
        StageDecisions.Outcome outcome = StageDecisions.apply("credit", asOlderOwnerSeesIt, registry, NOW);
        assertThat(outcome.applied()).isFalse();
        assertThat(outcome.note()).contains("refused").contains("signature does not match");
    }
}
