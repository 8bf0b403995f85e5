package io.mlcycle.orchestrator;

import io.mlcycle.avro.DecisionKind;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.RequestStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageDecision;
import io.mlcycle.mlcore.registry.ChampionSelector;
import io.mlcycle.mlcore.spec.CanarySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * How a stage decision taken on online evidence ({@code <p>.models.decisions}, from serving) becomes registry
 * transitions, as a pure function of the decision and the registry's current verified state. A decision is applied
 * only while it is still about the registry as it is: the version is still in the decision's {@code from_stage},
 * and a promotion to CHAMPION still replaces the champion it was compared with. Otherwise it is stale (the version
 * was decided already, superseded by a newer candidate, or a person moved it meanwhile) and nothing is written.
 *
 * <ul>
 *   <li>PROMOTE SHADOW → CANARY: the version moves on.</li>
 *   <li>PROMOTE SHADOW|CANARY → CHAMPION: the version becomes champion and the champion is RETIRED.</li>
 *   <li>ROLLBACK: the version is REJECTED; the champion keeps serving.</li>
 * </ul>
 * Each transition is attributed to the decider (its {@code decided_by}) and carries the evidence in words, the
 * decision id, and that the orchestrator applied it.
 *
 * <p>A decision with {@code forwarded_by} set is a person's promote, rollback or stage change that reached a standby
 * orchestrator instance ({@link #forwarded}): it is planned as that HTTP call would be on the owner
 * ({@link StagePlanner#promote}, {@link StagePlanner#rollback}, and for kind STAGE {@link StagePlanner#challenge} or
 * {@link StagePlanner#withdraw}), attributed to the person, and applied only when it is signed with the deployment's
 * model signing key (as every orchestrator instance holds) and while the registry is as the standby saw it.
 */
public final class StageDecisions {

    /**
     * What to do with one decision.
     *
     * @param update the registry records to write (empty when the decision is not applied)
     * @param note   what was done, or why nothing was, in words (for the log)
     */
    public record Outcome(Optional<StagePlanner.RegistryUpdate> update, String note) {
        public Outcome {
            Objects.requireNonNull(update, "update");
            Objects.requireNonNull(note, "note");
        }

        public boolean applied() {
            return update.isPresent();
        }

        static Outcome skip(String note) {
            return new Outcome(Optional.empty(), note);
        }
    }

    /**
     * How far a forwarded request's time (the standby's clock when it accepted it) may be from the owner's when it is
     * applied: a person's request is for the registry they saw, not a standing order.
     */
    static final Duration MAX_FORWARDED_AGE = Duration.ofMinutes(10);

    private StageDecisions() {
    }

    /** Decides what {@code decision} changes in {@code registry} (of {@code pipeline}) at {@code now}. */
    public static Outcome apply(String pipeline, StageDecision decision, ModelRegistry registry, Instant now) {
        return apply(pipeline, decision, registry, champion -> Optional.empty(), now);
    }

    /**
     * Decides what {@code decision} changes in {@code registry} (of {@code pipeline}) at {@code now}; a forwarded
     * rollback ({@link #forwarded}) restores {@code previousChampion} of the champion. Without the spec's promotion
     * policy a forwarded stage change into SHADOW or CANARY is not applied (see the overload with the policy).
     */
    public static Outcome apply(String pipeline, StageDecision decision, ModelRegistry registry,
                                Function<ModelVersion, Optional<ModelVersion>> previousChampion, Instant now) {
        return apply(pipeline, decision, registry, previousChampion, null, now);
    }

    /**
     * Decides what {@code decision} changes in {@code registry} (of {@code pipeline}) at {@code now}; a forwarded
     * rollback ({@link #forwarded}) restores {@code previousChampion} of the champion, and a forwarded stage change
     * into SHADOW or CANARY is planned under {@code policy} (the spec's promotion policy, as the owner's HTTP
     * {@code stage} call plans it; null when unknown, and then such a request is not applied).
     */
    public static Outcome apply(String pipeline, StageDecision decision, ModelRegistry registry,
                                Function<ModelVersion, Optional<ModelVersion>> previousChampion, CanarySpec policy,
                                Instant now) {
        String id = decision.getDecisionId();
        if (!pipeline.equals(decision.getPipeline())) {
            return Outcome.skip("decision " + id + " is about pipeline " + decision.getPipeline() + ", not " + pipeline);
        }
        if (isAnswer(decision)) {
            return Outcome.skip("decision " + id + " is an owner's answer to a forwarded request: nothing to apply");
        }
        io.mlcycle.mlcore.registry.ModelSigning.Verification signed = registry.signing().verify(decision);
        if (!signed.valid()) {
            // Anyone who may write <p>.models.decisions could otherwise promote or roll back, also in a person's name.
            return Outcome.skip("decision " + id + " by " + decision.getDecidedBy()
                    + (decision.getForwardedBy() == null ? "" : " (forwarded by " + decision.getForwardedBy() + ")")
                    + " refused: " + signed.reason());
        }
        if (decision.getForwardedBy() != null) {
            return applyForwarded(decision, registry, previousChampion, policy, now);
        }
        Optional<ModelVersion> found = registry.get(decision.getModelVersion());
        if (found.isEmpty()) {
            return Outcome.skip("decision " + id + " is about " + decision.getModelVersion()
                    + ", which has no verified registry record");
        }
        ModelVersion version = found.get();
        Stage from = decision.getFromStage();
        if (from != Stage.SHADOW && from != Stage.CANARY) {
            return Outcome.skip("decision " + id + " moves " + version.getVersion() + " from " + from
                    + ": only SHADOW and CANARY versions are decided on online evidence");
        }
        if (version.getStage() != from) {
            return Outcome.skip("stale decision " + id + ": " + version.getVersion() + " is " + version.getStage()
                    + " now, the decision was about it as " + from);
        }
        String by = decision.getDecidedBy();
        String applied = " [decision " + id + " by " + by + ", applied by " + StagePlanner.ACTOR + "]";
        if (decision.getDecision() == DecisionKind.ROLLBACK) {
            return new Outcome(Optional.of(new StagePlanner.RegistryUpdate(List.of(StagePlanner.transition(version,
                    Stage.REJECTED, now, by, decision.getEvidence() + applied)), Optional.empty())),
                    version.getVersion() + " " + from + " -> REJECTED (rolled back on online evidence)");
        }
        if (decision.getDecision() != DecisionKind.PROMOTE) {
            return Outcome.skip("decision " + id + " has the unknown kind " + decision.getDecision());
        }
        Stage to = decision.getToStage();
        boolean forward = (from == Stage.SHADOW && (to == Stage.CANARY || to == Stage.CHAMPION))
                || (from == Stage.CANARY && to == Stage.CHAMPION);
        if (!forward) {
            return Outcome.skip("decision " + id + " promotes " + version.getVersion() + " from " + from + " to " + to
                    + ", which is not a step forward of the staged policy");
        }
        List<ModelVersion> writes = new ArrayList<>();
        writes.add(StagePlanner.transition(version, to, now, by, decision.getEvidence() + applied));
        if (to == Stage.CHAMPION) {
            Optional<ModelVersion> champion = registry.champion();
            String comparedWith = decision.getComparedWith();
            if (comparedWith != null && champion.map(c -> !c.getVersion().equals(comparedWith)).orElse(true)) {
                return Outcome.skip("stale decision " + id + ": it compared " + version.getVersion() + " with "
                        + comparedWith + ", but the champion is " + champion.map(ModelVersion::getVersion)
                        .orElse("none") + " now");
            }
            champion.filter(c -> !c.getVersion().equals(version.getVersion())).ifPresent(c -> writes.add(
                    StagePlanner.transition(c, Stage.RETIRED, now, by, "replaced by " + version.getVersion()
                            + " on online evidence" + applied)));
        }
        return new Outcome(Optional.of(new StagePlanner.RegistryUpdate(writes, Optional.empty())),
                version.getVersion() + " " + from + " -> " + to + " (promoted on online evidence)");
    }

    /**
     * Whether the registry's history names request {@code requestId} (an applied forwarded request marks the reasons
     * of its transitions, {@link #applyForwarded}): it was applied, whether or not an answer says so (an owner from
     * before answers applies without one).
     */
    public static boolean appliedInRegistry(ModelRegistry registry, String requestId) {
        String marker = "[request " + requestId + " ";
        return registry.all().stream().flatMap(v -> v.getHistory().stream())
                .anyMatch(t -> t.getReason() != null && t.getReason().contains(marker));
    }

    /** Longest free text an answer carries from its request or outcome, so that an answer stays small. */
    static final int MAX_ANSWER_TEXT = 1000;
    /** Longest name or id an answer carries from its request. */
    static final int MAX_ANSWER_NAME = 256;

    /** Whether {@code decision} is a forwarded request the owner answers: a person waits for its outcome. */
    public static boolean isForwardedRequest(StageDecision decision) {
        return decision.getForwardedBy() != null && !isAnswer(decision);
    }

    /** Whether {@code decision} is the owner's answer to a forwarded request ({@link #answer}), not a decision. */
    public static boolean isAnswer(StageDecision decision) {
        return decision.getDecision() == DecisionKind.ANSWER || decision.getAnswer() != null;
    }

    /**
     * The owner's answer to the forwarded {@code request} (unsigned; the owner signs it): APPLIED or REFUSED by
     * {@code outcome}, with its note as the evidence, identified by the request's id, so that the person who got a
     * 202 from a standby learns what became of the request ({@code GET .../requests/{id}} on any instance).
     */
    public static StageDecision answer(StageDecision request, Outcome outcome, Instant now) {
        // Any writer of the topic can send a "request"; its answer must stay far below the record size limit whatever
        // the request held, or the owner's transaction would fail on it at every retry and stop every decision.
        return StageDecision.newBuilder(request)
                .setDecisionId(clip(request.getDecisionId(), MAX_ANSWER_NAME))
                .setPipeline(clip(request.getPipeline(), MAX_ANSWER_NAME))
                .setModelVersion(clip(request.getModelVersion(), MAX_ANSWER_NAME))
                .setComparedWith(clip(request.getComparedWith(), MAX_ANSWER_NAME))
                .setForwardedBy(clip(request.getForwardedBy(), MAX_ANSWER_NAME))
                .setStatistics(new java.util.HashMap<>())
                .setDecision(DecisionKind.ANSWER)
                .setAnswer(outcome.applied() ? RequestStatus.APPLIED : RequestStatus.REFUSED)
                .setEvidence(clip(outcome.note(), MAX_ANSWER_TEXT))
                .setDecidedBy(StagePlanner.ACTOR)
                .setDecidedAt(now)
                .setSignature(null)
                .build();
    }

    /** {@code text} cut to {@code max} characters (marked with "..."), or null for null. */
    static String clip(String text, int max) {
        return text == null || text.length() <= max ? text : text.substring(0, max - 3) + "...";
    }

    /**
     * A person's promote ({@code version} to CHAMPION) or rollback (of the champion {@code version}) that reached a
     * standby instance, as a decision for the owner; see
     * {@link #forwarded(String, String, DecisionKind, ModelVersion, Stage, Optional, String, String, String, Instant)}.
     */
    public static StageDecision forwarded(String requestId, String pipeline, DecisionKind kind, ModelVersion version,
                                          Optional<ModelVersion> champion, String by, String reason, String standby,
                                          Instant at) {
        if (kind != DecisionKind.PROMOTE && kind != DecisionKind.ROLLBACK) {
            throw new IllegalArgumentException("a forwarded " + kind + " names the stage it asks for");
        }
        return forwarded(requestId, pipeline, kind, version, kind == DecisionKind.ROLLBACK ? Stage.RETIRED
                : Stage.CHAMPION, champion, by, reason, standby, at);
    }

    /**
     * A person's promote ({@code version} to CHAMPION), rollback (of the champion {@code version}) or stage change
     * (kind STAGE: {@code version} into {@code to} SHADOW or CANARY, or withdrawn as RETIRED) that reached a standby
     * instance, as a decision for the owner: the standby checked it on its own view of the registry (the version, its
     * stage and the champion it saw are recorded), the owner plans it again on the registry as it is when the decision
     * is consumed ({@link #applyForwarded}). Unsigned: the standby signs it
     * ({@link io.mlcycle.mlcore.registry.ModelSigning#sign(StageDecision)}), and the owner applies only requests
     * signed with the deployment's key.
     *
     * @param requestId the id the person follows: the decision id, named in the applied transitions' reasons
     * @param to        the stage asked for (CHAMPION for a promote, RETIRED for a rollback)
     * @param standby   the forwarding instance's id
     */
    public static StageDecision forwarded(String requestId, String pipeline, DecisionKind kind, ModelVersion version,
                                          Stage to, Optional<ModelVersion> champion, String by, String reason,
                                          String standby, Instant at) {
        return StageDecision.newBuilder()
                .setDecisionId(requestId)
                .setPipeline(pipeline)
                .setModelVersion(version.getVersion())
                .setFromStage(version.getStage())
                .setToStage(to)
                .setDecision(kind)
                .setComparedWith(champion.map(ModelVersion::getVersion).orElse(null))
                .setEvidence(reason)
                .setDecidedBy(by)
                .setDecidedAt(at)
                .setForwardedBy(standby)
                .build();
    }

    /**
     * A forwarded promote, rollback or stage change is applied only while the registry is as the standby saw it when
     * it accepted the request (the version in the same stage, the same champion): a change between the request and
     * its application (a decision on online evidence, a run, another person) makes it stale, and a person decides
     * again on what the registry is now rather than have a decision taken on an older state applied to a newer one.
     */
    private static Outcome applyForwarded(StageDecision decision, ModelRegistry registry,
                                          Function<ModelVersion, Optional<ModelVersion>> previousChampion,
                                          CanarySpec policy, Instant now) {
        String id = decision.getDecisionId();
        String by = decision.getDecidedBy();
        Duration age = Duration.between(decision.getDecidedAt(), now).abs();
        if (age.compareTo(MAX_FORWARDED_AGE) > 0) {
            // A signed request is not a standing order: applied much later (no owner for a while) or sent again by
            // a writer of the topic, it would act on a registry the person never saw.
            return Outcome.skip("request " + id + " by " + by + " (forwarded by " + decision.getForwardedBy()
                    + ") refused: made at " + decision.getDecidedAt() + ", more than " + MAX_FORWARDED_AGE.toMinutes()
                    + " minutes from now; send it again");
        }
        if (appliedInRegistry(registry, id)) {
            return Outcome.skip("request " + id + " by " + by + " was applied already: not applied twice");
        }
        Optional<ModelVersion> champion = registry.champion();
        String championNow = champion.map(ModelVersion::getVersion).orElse(null);
        if (!Objects.equals(championNow, decision.getComparedWith())) {
            return Outcome.skip("stale request " + id + " by " + by + " (forwarded by " + decision.getForwardedBy()
                    + "): the champion was " + decision.getComparedWith() + " when it was made, it is "
                    + championNow + " now");
        }
        Optional<ModelVersion> found = registry.get(decision.getModelVersion());
        if (found.isEmpty()) {
            return Outcome.skip("request " + id + " by " + by + " is about " + decision.getModelVersion()
                    + ", which has no verified registry record");
        }
        ModelVersion version = found.get();
        if (version.getStage() != decision.getFromStage()) {
            return Outcome.skip("stale request " + id + " by " + by + ": " + version.getVersion() + " is "
                    + version.getStage() + " now, it was " + decision.getFromStage() + " when the request was made");
        }
        String reason = decision.getEvidence() + " [request " + id + " forwarded by standby "
                + decision.getForwardedBy() + ", applied by " + StagePlanner.ACTOR + "]";
        StagePlanner.RegistryUpdate update;
        try {
            if (decision.getDecision() == DecisionKind.PROMOTE && decision.getToStage() == Stage.CHAMPION) {
                update = StagePlanner.promote(version, champion, registry.selection().refused().stream()
                        .anyMatch(r -> r.version().equals(version.getVersion())), by, reason, now);
            } else if (decision.getDecision() == DecisionKind.ROLLBACK) {
                update = StagePlanner.rollback(champion, champion.flatMap(previousChampion), by, reason, now);
            } else if (decision.getDecision() == DecisionKind.STAGE && decision.getToStage() == Stage.RETIRED) {
                update = StagePlanner.withdraw(version, by, reason, now);
            } else if (decision.getDecision() == DecisionKind.STAGE && (decision.getToStage() == Stage.SHADOW
                    || decision.getToStage() == Stage.CANARY)) {
                if (policy == null) {
                    return Outcome.skip("request " + id + " by " + by + " puts " + version.getVersion() + " into "
                            + decision.getToStage() + ", but this instance was given no promotion policy to plan it");
                }
                ChampionSelector.Selection selection = registry.selection();
                update = StagePlanner.challenge(version, decision.getToStage(), selection, selection.refused().stream()
                        .anyMatch(r -> r.version().equals(version.getVersion())), policy, by, reason, now);
            } else {
                return Outcome.skip("request " + id + " by " + by + " asks for " + decision.getDecision() + " to "
                        + decision.getToStage() + ": only promote (to CHAMPION), rollback and stage (to SHADOW, CANARY "
                        + "or RETIRED) are forwarded");
            }
        } catch (IllegalArgumentException e) {
            return Outcome.skip("request " + id + " by " + by + " not applied: " + e.getMessage());
        }
        String what = decision.getDecision() == DecisionKind.STAGE
                ? version.getVersion() + " " + version.getStage() + " -> " + decision.getToStage()
                : decision.getDecision().name().toLowerCase(java.util.Locale.ROOT) + " of " + version.getVersion();
        return new Outcome(Optional.of(update), "request " + id + " by " + by + " (forwarded by "
                + decision.getForwardedBy() + "): " + what + "; champion now " + update.versions().stream()
                .filter(v -> v.getStage() == Stage.CHAMPION).map(ModelVersion::getVersion).findFirst()
                .orElse(championNow));
    }
}
