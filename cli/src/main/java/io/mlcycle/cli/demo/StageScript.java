package io.mlcycle.cli.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.mlcycle.avro.ModelVersion;
import io.mlcycle.avro.RunStatus;
import io.mlcycle.avro.Stage;
import io.mlcycle.avro.StageTransition;
import io.mlcycle.avro.TrainingRun;
import io.mlcycle.platform.http.AdminTokens;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The demo's staged-promotion act. After the planned applications the scenario keeps (post-drift) traffic flowing
 * until serving's sequential test has both promoted a canary on online evidence and rolled a worse one back by itself,
 * within a budget. The worse one comes from a bug, as it does in life: once a canary has been promoted, the loan book
 * publishes its outcomes inverted for a while; a retrain asked for during that stretch learns the inverted labels and
 * passes the offline gates on its equally corrupted holdout (offline success), enters CANARY, and once the outcomes are
 * right again the online evidence rolls it back.
 *
 * <p>Called by the scenario thread: {@link #moreTraffic} once per batch, {@link #corruptOutcomes} per outcome. Reads
 * the registry and the runs as the timeline sees them ({@link PipelineObservations}); asks the orchestrator for the
 * retrain over its HTTP API ({@code POST /v1/pipelines/{p}/retrain}, the local stack's development admin token).
 */
public final class StageScript {

    /** Where the script's lines go: {@link Timeline#print}. */
    @FunctionalInterface
    public interface Lines {
        void print(String category, String format, Object... args);
    }

    private enum Act { AWAIT_PROMOTION, CORRUPTING, AWAIT_ROLLBACK, DONE }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final PipelineObservations observations;
    private final URI retrainEndpoint;
    private final Lines timeline;
    private final Duration budget;
    private final long corruptedWindow;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private volatile Act act = Act.AWAIT_PROMOTION;
    private String retrainTrigger;
    private Instant extraTrafficUntil;

    /**
     * @param orchestrator    the orchestrator's base URL
     * @param budget          how long traffic may go on after the planned applications
     * @param corruptedWindow how many joined outcomes must be corrupted before the retrain reads them: the spec's
     *                        {@code training.max_examples} (the newest examples a run trains and holds out on)
     */
    public StageScript(PipelineObservations observations, String pipeline, URI orchestrator, Lines timeline,
                       Duration budget, long corruptedWindow) {
        this.observations = Objects.requireNonNull(observations, "observations");
        this.retrainEndpoint = orchestrator.resolve("/v1/pipelines/" + pipeline + "/retrain");
        this.timeline = Objects.requireNonNull(timeline, "timeline");
        this.budget = Objects.requireNonNull(budget, "budget");
        if (budget.isZero() || budget.isNegative()) {
            throw new IllegalArgumentException("the canary act needs a positive budget, was " + budget);
        }
        if (corruptedWindow < 1) {
            throw new IllegalArgumentException("the corrupted window must be positive, was " + corruptedWindow);
        }
        this.corruptedWindow = corruptedWindow;
    }

    /** Whether the loan book's outcomes are published inverted now (the bug of the act). */
    public boolean corruptOutcomes() {
        return act == Act.CORRUPTING;
    }

    /** The scenario published the outcome of {@code eventId} inverted: its labeled example is counted apart. */
    public void corrupted(String eventId) {
        observations.watch(eventId);
    }

    /**
     * Called once per batch of applications; moves the act on.
     *
     * @param plannedDone whether the scenario has sent all its planned applications
     * @return whether the scenario should go on sending applications
     */
    public boolean moreTraffic(boolean plannedDone) {
        if (act == Act.DONE) {
            return false;
        }
        PipelineObservations.Snapshot snapshot = observations.snapshot();
        step(snapshot);
        if (!plannedDone) {
            return true;
        }
        if (act == Act.DONE) {
            return false;
        }
        Instant now = Instant.now();
        if (extraTrafficUntil == null) {
            extraTrafficUntil = now.plus(budget);
            timeline.print("scenario", "planned applications sent; traffic goes on until a canary has been promoted "
                    + "and a worse one rolled back on online evidence (at most %ds)", budget.toSeconds());
        }
        if (now.isAfter(extraTrafficUntil)) {
            timeline.print("scenario", "stopping the extra traffic after %ds: %s", budget.toSeconds(), switch (act) {
                case AWAIT_PROMOTION -> "no canary was promoted on online evidence yet";
                case CORRUPTING -> "the retrain on the corrupted outcomes had not read them yet";
                default -> "the canary trained on corrupted outcomes was not rolled back yet";
            });
            fixTheBug();
            act = Act.DONE;
            return false;
        }
        return true;
    }

    private void step(PipelineObservations.Snapshot snapshot) {
        switch (act) {
            case AWAIT_PROMOTION -> {
                if (snapshot.models().values().stream().anyMatch(StageScript::promotedOnline)) {
                    act = Act.CORRUPTING;
                    timeline.print("scenario", "a bug in the loan book: from now on its outcomes are published "
                            + "inverted (defaulted for repaid and back), until a retrain has read %d of them joined",
                            corruptedWindow);
                }
            }
            case CORRUPTING -> {
                // Joins may lag: the retrain is asked for once the corrupted outcomes themselves have been joined,
                // so that the newest examples by event time (those a run trains and holds out on) are corrupted.
                if (retrainTrigger == null && observations.watchedLabeled() >= corruptedWindow) {
                    retrainTrigger = requestRetrain();
                    if (retrainTrigger == null) {
                        fixTheBug();
                        act = Act.DONE;
                    }
                } else if (retrainTrigger != null && datasetRead(snapshot, retrainTrigger)) {
                    fixTheBug();
                    act = Act.AWAIT_ROLLBACK;
                }
            }
            case AWAIT_ROLLBACK -> {
                // the version the retrain on the corrupted outcomes produced, not any earlier rollback
                String corruptedVersion = snapshot.runs().values().stream()
                        .filter(run -> retrainTrigger.equals(run.getTriggerId()) && run.getModelVersion() != null)
                        .map(TrainingRun::getModelVersion).reduce((first, second) -> second).orElse(null);
                ModelVersion candidate = corruptedVersion == null ? null : snapshot.models().get(corruptedVersion);
                if (candidate != null && rolledBackOnline(candidate)) {
                    act = Act.DONE;
                } else if (candidate != null && (candidate.getStage() == Stage.REJECTED
                        || candidate.getStage() == Stage.RETIRED || candidate.getStage() == Stage.CHAMPION)) {
                    timeline.print("scenario", "%s, trained on the corrupted outcomes, ended %s without a rollback "
                            + "on online evidence", corruptedVersion, candidate.getStage());
                    act = Act.DONE;
                } else if (candidate == null && snapshot.runs().values().stream().anyMatch(run ->
                        retrainTrigger.equals(run.getTriggerId()) && finished(run.getStatus()))) {
                    timeline.print("scenario", "the retrain on the corrupted outcomes registered no version");
                    act = Act.DONE;
                }
            }
            default -> {
            }
        }
    }

    private void fixTheBug() {
        if (act == Act.CORRUPTING) {
            timeline.print("scenario", "the loan book is fixed: outcomes are right again");
        }
    }

    private static boolean finished(RunStatus status) {
        return status == RunStatus.FAILED || status == RunStatus.SKIPPED;
    }

    /** Whether the run of {@code triggerId} has read its dataset (it is past BUILDING_DATASET). */
    private static boolean datasetRead(PipelineObservations.Snapshot snapshot, String triggerId) {
        return snapshot.runs().values().stream().filter(run -> triggerId.equals(run.getTriggerId()))
                .map(TrainingRun::getStatus).anyMatch(status -> status != RunStatus.QUEUED
                        && status != RunStatus.BUILDING_DATASET);
    }

    /** Asks for a retrain as an operator would; returns its trigger id, or null when it was refused. */
    private String requestRetrain() {
        String body = "{\"reason\":\"demo operator: retrain on the newest outcomes\"}";
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(retrainEndpoint)
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json")
                    .header("Authorization", "Bearer " + AdminTokens.DEV_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 202) {
                timeline.print("operator", "the orchestrator refused the retrain: %d %s", response.statusCode(),
                        response.body());
                return null;
            }
            String triggerId = JSON.readTree(response.body()).path("trigger_id").asText(null);
            timeline.print("operator", "asks for a retrain on the newest outcomes (trigger %s), unaware of the bug",
                    triggerId);
            return triggerId;
        } catch (IOException e) {
            timeline.print("operator", "the orchestrator could not be reached: %s", e.getMessage());
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
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
                // StageDecisions appends "[decision <id> by <serving instance>, applied by ...]" to the evidence
                && (transition.getReason().contains("[decision ") || transition.getReason().contains("online evidence"));
    }
}
