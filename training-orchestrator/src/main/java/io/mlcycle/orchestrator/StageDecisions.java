package io.mlcycle.orchestrator;

import io.mlcycle.avro.DecisionKind;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageDecision;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

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

    private StageDecisions() {
    }

    /** Decides what {@code decision} changes in {@code registry} (of {@code pipeline}) at {@code now}. */
    public static Outcome apply(String pipeline, StageDecision decision, ModelRegistry registry, Instant now) {
        String id = decision.getDecisionId();
        if (!pipeline.equals(decision.getPipeline())) {
            return Outcome.skip("decision " + id + " is about pipeline " + decision.getPipeline() + ", not " + pipeline);
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
}
