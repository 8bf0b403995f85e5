package io.mlcycle.cli.demo;

import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageTransition;
import io.mlcycle.platform.http.AdminTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The demo's staged-promotion act: the scenario keeps post-drift traffic flowing (after its planned applications)
 * until serving's sequential test has both promoted a canary on online evidence and rolled a worse one back by
 * itself, within a budget. The worse one is brought in as an operator would: once a champion has learnt the changed
 * world, the pre-drift champion is put back as a CANARY through the orchestrator's
 * {@code POST /v1/pipelines/{p}/models/{version}/stage} ("does the old model still hold up?"), and the online
 * evidence, not a person, decides it.
 *
 * <p>Reads the registry as the timeline sees it ({@link PipelineObservations}); called by the scenario thread once per
 * batch.
 */
public final class StageScript {

    /** Where the script's lines go: {@link Timeline#print}. */
    @FunctionalInterface
    public interface Lines {
        void print(String category, String format, Object... args);
    }

    private final PipelineObservations observations;
    private final URI stageEndpointBase;
    private final Lines timeline;
    private final Duration budget;
    private final double labeledPerSecond;
    private final Supplier<Instant> driftAt;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private Instant extraTrafficUntil;
    private String stagedByOperator;
    private boolean finished;

    /**
     * @param orchestrator     the orchestrator's base URL
     * @param budget           how long traffic may go on after the planned applications
     * @param labeledPerSecond outcomes per second the scenario sends (to judge what a version was trained on)
     * @param driftAt          when the world changed, or null before it did
     */
    public StageScript(PipelineObservations observations, String pipeline, URI orchestrator, Lines timeline,
                       Duration budget, double labeledPerSecond, Supplier<Instant> driftAt) {
        this.observations = Objects.requireNonNull(observations, "observations");
        this.stageEndpointBase = orchestrator.resolve("/v1/pipelines/" + pipeline + "/models/");
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        this.budget = Objects.requireNonNull(budget, "budget");
        if (budget.isZero() || budget.isNegative()) {
            throw new IllegalArgumentException("the canary act needs a positive budget, was " + budget);
        }
        this.labeledPerSecond = labeledPerSecond;
        this.driftAt = Objects.requireNonNull(driftAt, "driftAt");
    }

    /**
     * Called once per batch of applications; takes the operator's step when it is due.
     *
     * @param plannedDone whether the scenario has sent all its planned applications
     * @return whether the scenario should go on sending applications
     */
    public boolean moreTraffic(boolean plannedDone) {
        if (finished) {
            return false;
        }
        PipelineObservations.Snapshot snapshot = observations.snapshot();
        boolean promoted = snapshot.models().values().stream().anyMatch(StageScript::promotedOnline);
        boolean rolledBack = snapshot.models().values().stream().anyMatch(StageScript::rolledBackOnline);
        if (promoted && !rolledBack && stagedByOperator == null) {
            stageThePreDriftChampion(snapshot);
        }
        if (!plannedDone) {
            return true;
        }
        if (promoted && rolledBack) {
            finished = true;
            return false;
        }
        Instant now = Instant.now();
        if (extraTrafficUntil == null) {
            extraTrafficUntil = now.plus(budget);
            timeline.print("scenario", "planned applications sent; post-drift traffic goes on until a canary has "
                    + "been promoted and a worse one rolled back on online evidence (at most %ds)", budget.toSeconds());
        }
        if (now.isAfter(extraTrafficUntil)) {
            timeline.print("scenario", "stopping the extra traffic after %ds: %s", budget.toSeconds(),
                    !promoted ? "no canary was promoted on online evidence yet"
                            : "the canary " + stagedByOperator + " was not decided yet");
            finished = true;
            return false;
        }
        return true;
    }

    /**
     * Once the champion was trained mostly on the changed world, the pre-drift champion goes back in as a canary:
     * at least half of the champion's training part must be newer than the drift. Examples are ordered by event
     * time and the newest part is held out, so the training part spans about {@code train / labeledPerSecond}
     * seconds before the holdout's start.
     */
    private void stageThePreDriftChampion(PipelineObservations.Snapshot snapshot) {
        Instant drift = driftAt.get();
        if (drift == null || snapshot.models().values().stream().anyMatch(v -> v.getStage() == Stage.CANARY
                || v.getStage() == Stage.SHADOW)) {
            return;
        }
        Optional<ModelVersion> champion = snapshot.models().values().stream()
                .filter(v -> v.getStage() == Stage.CHAMPION).findFirst();
        if (champion.isEmpty() || champion.get().getLineage().getHoldoutStartEventTime() == null) {
            return;
        }
        Instant holdoutStart = Instant.ofEpochMilli(champion.get().getLineage().getHoldoutStartEventTime());
        double trainSpanSeconds = champion.get().getLineage().getTrainExamples() / labeledPerSecond;
        if (holdoutStart.minusMillis((long) (trainSpanSeconds * 500)).isBefore(drift)) {
            return;
        }
        Optional<ModelVersion> preDrift = snapshot.models().values().stream()
                .filter(v -> v.getStage() == Stage.RETIRED && v.getCreatedAt().isBefore(drift))
                .filter(v -> v.getHistory().stream().anyMatch(t -> t.getToStage() == Stage.CHAMPION))
                .reduce((first, second) -> second);
        if (preDrift.isEmpty()) {
            return;
        }
        String version = preDrift.get().getVersion();
        stagedByOperator = version;
        timeline.print("operator", "%s learnt the changed world; puts %s (the pre-drift champion) back as a CANARY "
                + "to see whether it still holds up", champion.get().getVersion(), version);
        String body = "{\"stage\":\"CANARY\",\"reason\":\"demo operator: does the pre-drift model still hold up?\"}";
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(stageEndpointBase.resolve(version
                            + "/stage")).timeout(Duration.ofSeconds(10))
                    .header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + AdminTokens.DEV_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                timeline.print("operator", "the orchestrator refused: %d %s", response.statusCode(), response.body());
            }
        } catch (IOException e) {
            timeline.print("operator", "the orchestrator could not be reached: %s", e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A version that went from CANARY (or SHADOW) to CHAMPION: promoted by the sequential test. */
    static boolean promotedOnline(ModelVersion version) {
        return version.getHistory().stream().anyMatch(t -> t.getToStage() == Stage.CHAMPION && onlineFromStage(t));
    }

    /** A challenger the sequential test rolled back (REJECTED on online evidence). */
    static boolean rolledBackOnline(ModelVersion version) {
        return version.getHistory().stream().anyMatch(t -> t.getToStage() == Stage.REJECTED && onlineFromStage(t));
    }

    private static boolean onlineFromStage(StageTransition transition) {
        return (transition.getFromStage() == Stage.CANARY || transition.getFromStage() == Stage.SHADOW)
                // StageDecisions appends "[decision <id> by <serving instance> ...]" to the evidence it applies
                && (transition.getReason().contains("[decision ") || transition.getReason().contains("online evidence"));
    }
}
